"""Export API: the customer list as a file, with the same filters as /api/v1/customers/."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.views import APIView

from crm.core.api import api_actor
from crm.customers.filters import CustomerFilter
from crm.transfer import export
from crm.transfer.export_views import TRUE, export_response

# The API list's `ordering` names, as the web list's sort keys (anything else: newest first).
ORDERINGS = {
    "id": "id",
    "name": "name",
    "number": "number",
    "created_at": "created",
    "last_contacted_at": "last_contacted",
    "level": "level",
    "stage": "stage",
}
MULTIPLE = {"stage", "level", "status"}


class JSONOnlyNegotiation(DefaultContentNegotiation):
    """`?format=xlsx` names the export's file format here, not a DRF renderer: errors always
    answer JSON."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


def _params(request: Request) -> Any:
    params = request.query_params.copy()
    ordering = params.pop("ordering", [""])[-1]
    if ordering and "sort" not in params:
        key = ORDERINGS.get(ordering.lstrip("-"))
        if key:
            params["sort"] = ("-" if ordering.startswith("-") else "") + key
    return params


def _parameter_type(f: Any) -> Any:
    if isinstance(f, filters.BooleanFilter):
        return bool
    if isinstance(f, filters.DateFilter):
        return OpenApiTypes.DATE
    if isinstance(f, filters.ModelChoiceFilter):
        return int
    return str


FILTER_PARAMETERS = [
    OpenApiParameter(
        name,
        _parameter_type(f),
        description=str(f.label or name),
        required=False,
        many=name in MULTIPLE or None,
    )
    for name, f in CustomerFilter.base_filters.items()
]


class CustomerExportView(APIView):
    content_negotiation_class = JSONOnlyNegotiation

    @extend_schema(
        operation_id="exports_customers",
        summary="导出客户列表",
        description=(
            "按与 /api/v1/customers/ 相同的筛选条件导出全部客户(不分页),列与导入模板一致。"
            "include_personal=true 时,对有权查看完整联系方式的客户写出完整手机、邮箱;"
            "有敏感信息授权时写出证件号码。每次导出都会记录。"
        ),
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=list(export.CONTENT_TYPES),
                description="文件格式: xlsx(默认)、csv(UTF-8)、csv_gbk(GB18030)",
            ),
            OpenApiParameter("include_personal", bool, description="含完整联系方式"),
            OpenApiParameter("ordering", str, enum=[*ORDERINGS, *(f"-{k}" for k in ORDERINGS)]),
            *FILTER_PARAMETERS,
        ],
        responses={
            (200, export.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="格式或筛选条件有误"),
        },
        tags=["exports"],
    )
    def get(self, request: Request) -> Any:
        file_format = request.query_params.get("format", "xlsx")
        include_personal = request.query_params.get("include_personal", "").lower() in TRUE
        return export_response(api_actor(request), _params(request), file_format, include_personal)
