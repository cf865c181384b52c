"""Customer API: thin adapters over crm.customers.services and the visible_to() selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.accounts import policy
from crm.audit.api.serializers import AuditEventSerializer
from crm.audit.selectors import customer_timeline
from crm.core.api import (
    CursorPagination,
    ReadOnlyOrAdmin,
    api_actor,
    expected_version,
    request_user,
    validated,
    versioned_response,
)
from crm.customers import services
from crm.customers.filters import CustomerFilter
from crm.customers.models import (
    Customer,
    CustomFieldDefinition,
    Industry,
    NumberRule,
    Region,
    Source,
    Tag,
)
from crm.customers.querysets import CustomerQuerySet

from . import serializers as s

CUSTOM_FILTER_DOC = OpenApiParameter(
    "cf_<key>",
    str,
    description="自定义字段筛选: cf_<key>=值;整数、日期字段另有 cf_<key>__gte / __lte",
    required=False,
)


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """客户档案. Writes go through crm.customers.services; PATCH/PUT need If-Match."""

    filterset_class = CustomerFilter
    ordering_fields = [
        "id",
        "name",
        "number",
        "created_at",
        "updated_at",
        "last_contacted_at",
        "level",
        "stage",
    ]
    ordering = ["-id"]
    queryset = Customer.objects.none()

    def get_queryset(self) -> CustomerQuerySet:
        user = request_user(self.request)
        qs = Customer.objects.visible_to(user).with_permissions(user)
        if self.action == "retrieve":
            return qs.with_detail_data()
        return qs.with_list_data().prefetch_related("tags")

    def get_serializer_class(self) -> Any:
        return {
            "list": s.CustomerListSerializer,
            "create": s.CustomerCreateSerializer,
            "partial_update": s.CustomerWriteSerializer,
            "update": s.CustomerWriteSerializer,
            "stage": s.StageChangeSerializer,
            "transfer": s.TransferSerializer,
            "collaborators": s.CollaboratorSerializer,
            "check_duplicate": s.DuplicateCheckSerializer,
            "add_address": s.AddressInputSerializer,
            "address": s.AddressInputSerializer,
        }.get(self.action, s.CustomerSerializer)

    @extend_schema(parameters=[CUSTOM_FILTER_DOC])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(services.get_visible(api_actor(request), kwargs["pk"]).pk)

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        qs = self.get_queryset().with_detail_data()
        return versioned_response(self, qs, s.CustomerSerializer, pk, code)

    @extend_schema(request=s.CustomerCreateSerializer, responses={201: s.CustomerSerializer})
    def create(self, request: Request) -> Response:
        data = self._validated(s.CustomerCreateSerializer)
        customer = services.create_customer(api_actor(request), **data)
        return self._detail(customer.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.CustomerWriteSerializer, responses={200: s.CustomerSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(request=s.CustomerWriteSerializer, responses={200: s.CustomerSerializer})
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=False)

    def _update(self, request: Request, pk: str, *, partial: bool) -> Response:
        actor = api_actor(request)
        customer = services.get_editable(actor, pk)
        version = expected_version(request, customer.pk)
        data = self._validated(s.CustomerWriteSerializer, partial=partial)
        services.update_customer(actor, customer, expected_version=version, **data)
        return self._detail(customer.pk)

    def _validated(self, serializer_class: Any, partial: bool = False) -> dict[str, Any]:
        return validated(
            serializer_class, self.request.data, partial, **self.get_serializer_context()
        )

    @extend_schema(request=s.StageChangeSerializer, responses={200: s.CustomerSerializer})
    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        customer = services.get_visible(actor, pk)
        services.change_stage(actor, customer, **self._validated(s.StageChangeSerializer))
        return self._detail(customer.pk)

    @extend_schema(request=s.TransferSerializer, responses={200: s.CustomerSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        customer = services.get_visible(actor, pk)
        services.transfer_owner(actor, customer, **self._validated(s.TransferSerializer))
        return self._detail(customer.pk)

    @extend_schema(request=s.CollaboratorSerializer, responses={200: s.CustomerSerializer})
    @action(detail=True, methods=["post", "delete"])
    def collaborators(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        customer = services.get_visible(actor, pk)
        data = self._validated(s.CollaboratorSerializer)
        if request.method == "DELETE":
            services.remove_collaborator(actor, customer, **data)
        else:
            services.add_collaborator(actor, customer, **data)
        return self._detail(customer.pk)

    @extend_schema(request=s.AddressInputSerializer, responses={201: s.AddressSerializer})
    @action(detail=True, methods=["post"], url_path="addresses")
    def add_address(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        customer = services.get_visible(actor, pk)
        data = self._validated(s.AddressInputSerializer)
        address = services.add_address(actor, customer, **data)
        return Response(s.AddressSerializer(address).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AddressInputSerializer, responses={200: s.AddressSerializer})
    @action(detail=True, methods=["patch", "delete"], url_path=r"addresses/(?P<address_id>[0-9]+)")
    def address(self, request: Request, pk: str, address_id: str) -> Response:
        actor = api_actor(request)
        customer = services.get_visible(actor, pk)
        if request.method == "DELETE":
            services.remove_address(actor, customer, address_id=address_id)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = self._validated(s.AddressInputSerializer, partial=True)
        address = services.update_address(actor, customer, address_id=address_id, **data)
        return Response(s.AddressSerializer(address).data)

    @extend_schema(request=s.DuplicateCheckSerializer, responses={200: s.DuplicateResultSerializer})
    @action(detail=False, methods=["post"], url_path="check-duplicate")
    def check_duplicate(self, request: Request) -> Response:
        data = self._validated(s.DuplicateCheckSerializer)
        return Response(services.check_duplicate(api_actor(request), **data))

    @extend_schema(responses={200: AuditEventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=CursorPagination)
    def timeline(self, request: Request, pk: str) -> Response:
        customer = services.get_visible(api_actor(request), pk)
        page = self.paginate_queryset(customer_timeline(customer, request_user(request)))
        full = policy.can_see_personal(request_user(request), customer)
        rows = AuditEventSerializer(page, many=True, context={"personal_full": full}).data
        return self.get_paginated_response(rows)

    @extend_schema(responses={200: s.StageTransitionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def transitions(self, request: Request, pk: str) -> Response:
        customer = services.get_visible(api_actor(request), pk)
        rows = customer.transitions.select_related("actor")
        return Response(s.StageTransitionSerializer(rows, many=True).data)


class ClaimViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Requests to a manager about a refused duplicate (重复客户申请)."""

    serializer_class = s.ClaimSerializer
    queryset = Customer.objects.none()
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return services.claims_for(request_user(self.request)).order_by("-id")

    def get_serializer_class(self) -> Any:
        return {"create": s.ClaimCreateSerializer, "resolve": s.ClaimResolveSerializer}.get(
            self.action, s.ClaimSerializer
        )

    @extend_schema(request=s.ClaimCreateSerializer, responses={201: s.ClaimSerializer})
    def create(self, request: Request) -> Response:
        body = validated(s.ClaimCreateSerializer, request.data)
        claim = services.request_claim(api_actor(request), **body)
        claim = services.get_claim(api_actor(request), claim.pk)
        return Response(s.ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ClaimResolveSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        claim = services.get_claim(api_actor(request), pk)
        body = validated(s.ClaimResolveSerializer, request.data)
        claim = services.resolve_claim(api_actor(request), claim, **body)
        claim = services.get_claim(api_actor(request), claim.pk)
        return Response(s.ClaimSerializer(claim).data)


class IndustryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """GB/T 4754-2017 门类与大类; administrators set the short code used in customer numbers."""

    queryset = Industry.objects.all()
    serializer_class = s.IndustrySerializer
    permission_classes = [ReadOnlyOrAdmin]
    pagination_class = None
    filterset_fields = ["parent"]
    ordering_fields = ["code"]

    @extend_schema(request=s.IndustryCodeSerializer, responses={200: s.IndustrySerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        body = validated(s.IndustryCodeSerializer, request.data)
        industry = services.save_industry_code(api_actor(request), self.get_object(), **body)
        return Response(s.IndustrySerializer(industry).data)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 省级与地级行政区划."""

    queryset = Region.objects.all()
    serializer_class = s.RegionSerializer
    pagination_class = None
    filterset_fields = ["parent", "level", "sales_region"]
    ordering_fields = ["code"]


class SettingsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reference lists everyone reads and administrators write (through a settings service)."""

    pagination_class = None
    permission_classes = [ReadOnlyOrAdmin]
    saver: Callable[..., Any]  # the settings service that writes this list

    def create(self, request: Request) -> Response:
        data = self._validated(partial=False)
        obj = type(self).saver(api_actor(request), **data)
        return Response(self.get_serializer_class()(obj).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = self._validated(partial=True)
        obj = type(self).saver(api_actor(request), self.get_object(), **data)
        return Response(self.get_serializer_class()(obj).data)

    def _validated(self, partial: bool) -> dict[str, Any]:
        return validated(self.get_serializer_class(), self.request.data, partial)


class SourceViewSet(SettingsViewSet):
    """客户来源 (configurable list)."""

    queryset = Source.objects.all()
    serializer_class = s.SourceSerializer
    saver = staticmethod(services.save_source)


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Tag.objects.all()
    serializer_class = s.TagSerializer
    pagination_class = None


class CustomFieldViewSet(SettingsViewSet):
    """Admin-defined custom fields (自定义字段); the key is fixed once created."""

    queryset = CustomFieldDefinition.objects.all()
    serializer_class = s.CustomFieldSerializer
    saver = staticmethod(services.save_custom_field)


class NumberRuleViewSet(viewsets.ViewSet):
    """客户编号规则: GET for everyone, PUT for administrators."""

    permission_classes = [ReadOnlyOrAdmin]
    serializer_class = s.NumberRuleSerializer

    @extend_schema(responses={200: s.NumberRuleSerializer})
    def list(self, request: Request) -> Response:
        rule = NumberRule.objects.order_by("pk").first() or NumberRule()
        return Response(s.NumberRuleSerializer(rule).data)

    @extend_schema(request=s.NumberRuleSerializer, responses={200: s.NumberRuleSerializer})
    def create(self, request: Request) -> Response:
        body = validated(s.NumberRuleSerializer, request.data)
        rule = services.set_number_pattern(api_actor(request), **body)
        return Response(s.NumberRuleSerializer(rule).data)
