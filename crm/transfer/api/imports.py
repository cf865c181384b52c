"""Imports API.

POST /api/v1/imports/ (multipart: file, kind=customers|records|contracts|orders, on_duplicate,
mapping, dry_run, start)
reads the file and answers the job: its columns and the suggested mapping, and, unless
`start=false`, the preview (dry_run=true, the default) or the run started. Small files are
done within the request; larger ones run in the background worker: poll GET
/api/v1/imports/{id}/. POST …/{id}/mapping/ confirms columns, …/{id}/preview/ and …/{id}/run/
start the two steps, GET …/{id}/rows/?outcome=refused lists the outcome of each row.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api import CursorPagination, SafeJSONParser, api_actor, request_user, validated
from crm.transfer import jobs
from crm.transfer.choices import ImportKind, Resolution, RowOutcome
from crm.transfer.models import ImportJob, ImportRow


class ImportJobSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField()
    columns = serializers.SerializerMethodField()
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "source",
            "file_name",
            "file_size",
            "file_format",
            "encoding",
            "sheet",
            "header_row",
            "columns",
            "default_resolution",
            "resolutions",
            "total_rows",
            "processed_rows",
            "percent",
            "counts",
            "preview",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_counts(self, job: ImportJob) -> dict[str, int]:
        return {
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "skipped": job.skipped_count,
            "refused": job.refused_count,
        }

    def get_columns(self, job: ImportJob) -> list[dict[str, Any]]:
        mapped = {int(k): v for k, v in job.mapping.items()}
        return [
            {"index": index, "header": header, "target": mapped.get(index, "")}
            for index, header in enumerate(job.headers)
        ]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.CUSTOMERS)
    on_duplicate = serializers.ChoiceField(choices=Resolution.choices, default=Resolution.SKIP)
    mapping = serializers.CharField(required=False, default="", max_length=60, allow_blank=True)
    dry_run = serializers.BooleanField(required=False, default=True)
    start = serializers.BooleanField(required=False, default=True)


class MappingSerializer(serializers.Serializer):
    columns = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=80),
        help_text="列序号 → 字段代码(空字符串表示不导入)",
    )
    on_duplicate = serializers.ChoiceField(choices=Resolution.choices, required=False)
    resolutions = serializers.DictField(
        child=serializers.ChoiceField(choices=Resolution.choices), required=False
    )
    save_as = serializers.CharField(required=False, default="", max_length=60, allow_blank=True)

    def validate_columns(self, value: dict[str, str]) -> dict[int, str]:
        try:
            return {int(k): v for k, v in value.items()}
        except ValueError:
            raise serializers.ValidationError("列序号应为整数") from None

    def validate_resolutions(self, value: dict[str, str]) -> dict[int, str]:
        try:
            return {int(k): v for k, v in value.items()}
        except ValueError:
            raise serializers.ValidationError("行号应为整数") from None


class ImportRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRow
        fields = ["row_no", "outcome", "object_id", "message"]
        read_only_fields = fields


class RowPagination(CursorPagination):
    ordering = "row_no"
    page_size = 100


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """导入任务: upload a spreadsheet, confirm its columns, preview, run; the job's counts."""

    serializer_class = ImportJobSerializer
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ImportJob]:
        return cast(QuerySet[ImportJob], jobs.jobs_of(request_user(self.request))).order_by("-pk")

    @extend_schema(
        request={"multipart/form-data": UploadSerializer}, responses={201: ImportJobSerializer}
    )
    def create(self, request: Request) -> Response:
        body = validated(UploadSerializer, request.data)
        actor = api_actor(request)
        upload = body["file"]
        job = jobs.start(
            actor,
            kind=body["kind"],
            file=upload,
            file_name=upload.name,
            source="api",
            mapping_name=body["mapping"],
            default_resolution=body["on_duplicate"],
        )
        if body["start"]:
            job = jobs.begin(job, dry_run=body["dry_run"])
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MappingSerializer, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def mapping(self, request: Request, pk: str) -> Response:
        body = validated(MappingSerializer, request.data)
        actor = api_actor(request)
        job = jobs.set_mapping(
            actor,
            jobs.get_job(actor, pk),
            mapping=body["columns"],
            save_as=body["save_as"],
            default_resolution=body.get("on_duplicate"),
            resolutions=body.get("resolutions"),
        )
        return Response(ImportJobSerializer(job).data)

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str) -> Response:
        job = jobs.begin(jobs.get_job(api_actor(request), pk), dry_run=True)
        return Response(ImportJobSerializer(job).data)

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str) -> Response:
        job = jobs.begin(jobs.get_job(api_actor(request), pk), dry_run=False)
        return Response(ImportJobSerializer(job).data)

    @extend_schema(
        parameters=[OpenApiParameter("outcome", str, enum=RowOutcome.values)],
        responses={200: ImportRowSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def rows(self, request: Request, pk: str) -> Response:
        job = jobs.get_job(api_actor(request), pk)
        rows = ImportRow.objects.filter(job=job)
        outcome = request.query_params.get("outcome")
        if outcome:
            if outcome not in RowOutcome.values:
                raise serializers.ValidationError({"outcome": f"未知的结果: {outcome}"})
            rows = rows.filter(outcome=outcome)
        paginator = RowPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ImportRowSerializer(page, many=True).data)
