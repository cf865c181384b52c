"""Opportunities, pipelines, contracts, orders, customer levels and tier rules over REST:
thin adapters over crm.pipeline.services and the visible_to() querysets."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.core.api import (
    ReadOnlyOrAdmin,
    api_actor,
    expected_version,
    request_user,
    validated,
    versioned_response,
)
from crm.customers.models import Customer
from crm.pipeline import selectors, services
from crm.pipeline.filters import ContractFilter, OpportunityFilter, OrderFilter
from crm.pipeline.models import Contract, Gate, Opportunity, Order, Pipeline, Stage

from . import serializers as s

REASON_PARAM = OpenApiParameter("reason", OpenApiTypes.STR, description="原因(也可放在请求体)")


def active_stages(lookup: str = "stages") -> Prefetch:
    """A pipeline's active stages in their order, each with its gates."""
    stages = Stage.objects.filter(is_active=True).prefetch_related("gates")
    return Prefetch(lookup, queryset=stages.order_by("position", "pk"))


# --- opportunities -----------------------------------------------------------------------------


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """商机. Created in the first open stage of the customer's pipeline; corrected with PATCH
    (If-Match); moved between stages with `move` (gates, lost reason) and `pass-gate`."""

    filterset_class = OpportunityFilter
    ordering_fields = ["id", "expected_close_on", "amount"]
    ordering = ["-id"]
    queryset = Opportunity.objects.none()
    serializer_class = s.OpportunitySerializer

    def get_queryset(self) -> QuerySet[Opportunity]:
        rows = Opportunity.objects.visible_to(request_user(self.request)).with_list_data()
        return rows.prefetch_related(active_stages("pipeline__stages"), "passes")

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return versioned_response(self, self.get_queryset(), s.OpportunitySerializer, pk, code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        opp = services.get_visible_opportunity(api_actor(request), kwargs["pk"])
        return self._detail(opp.pk)

    @extend_schema(request=s.OpportunityCreateSerializer, responses={201: s.OpportunitySerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.OpportunityCreateSerializer, request.data)
        opp = services.create_opportunity(api_actor(request), **data)
        return self._detail(opp.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.OpportunityWriteSerializer, responses={200: s.OpportunitySerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        opp = services.get_visible_opportunity(actor, pk)
        version = expected_version(request, opp.pk)
        data = validated(s.OpportunityWriteSerializer, request.data, partial=True)
        services.update_opportunity(actor, opp, expected_version=version, **data)
        return self._detail(opp.pk)

    @extend_schema(request=s.MoveSerializer, responses={200: s.OpportunitySerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        """To another stage of the pipeline; If-Match is optional here (checked when sent)."""
        actor = api_actor(request)
        opp = services.get_visible_opportunity(actor, pk)
        version = expected_version(request, opp.pk) if request.headers.get("If-Match") else None
        data = validated(s.MoveSerializer, request.data)
        services.move_opportunity(actor, opp, expected_version=version, **data)
        return self._detail(opp.pk)

    @extend_schema(request=s.PassGateSerializer, responses={200: s.OpportunitySerializer})
    @action(detail=True, methods=["post"], url_path="pass-gate")
    def pass_gate(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        opp = services.get_visible_opportunity(actor, pk)
        services.pass_gate(actor, opp, **validated(s.PassGateSerializer, request.data))
        return self._detail(opp.pk)

    @extend_schema(methods=["GET"], responses={200: s.ObjectionSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=s.ObjectionCreateSerializer,
        responses={201: s.ObjectionSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def objections(self, request: Request, pk: str) -> Response:
        """客户异议: GET lists them (unanswered first) with their 24-hour clocks; POST records
        one (raised_at defaults to now)."""
        actor = api_actor(request)
        opp = services.get_visible_opportunity(actor, pk)
        if request.method == "POST":
            made = services.raise_objection(
                actor, opp, **validated(s.ObjectionCreateSerializer, request.data)
            )
            return Response(s.ObjectionSerializer(made).data, status=status.HTTP_201_CREATED)
        rows = [row.objection for row in selectors.objections_of(opp, timezone.now())]
        return Response(s.ObjectionSerializer(rows, many=True).data)

    @extend_schema(request=s.AnswerObjectionSerializer, responses={200: s.ObjectionSerializer})
    @action(detail=True, methods=["post"], url_path="answer-objection")
    def answer_objection(self, request: Request, pk: str) -> Response:
        """答复异议: answered after 24 hours counts as a breach (clock "breached")."""
        actor = api_actor(request)
        opp = services.get_visible_opportunity(actor, pk)
        data = validated(s.AnswerObjectionSerializer, request.data)
        objection = opp.objections.filter(pk=data["objection"]).first()
        if objection is None:
            raise ValidationError({"objection": "该商机没有这条异议"})
        done = services.answer_objection(actor, objection, answer=data["answer"])
        return Response(s.ObjectionSerializer(done).data)


# --- pipelines, stages and gates (settings) ----------------------------------------------------


class PipelineSettingsViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Settings everyone reads and administrators write through a pipelines service."""

    pagination_class = None
    permission_classes = [ReadOnlyOrAdmin]
    create_serializer: ClassVar[Any]
    write_serializer: ClassVar[Any]
    saver: ClassVar[Any]

    def _answer(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(obj).data, status=code)

    def create(self, request: Request) -> Response:
        data = validated(type(self).create_serializer, request.data)
        obj = type(self).saver(api_actor(request), **data)
        return self._answer(obj.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = validated(type(self).write_serializer, request.data, partial=True)
        obj = type(self).saver(api_actor(request), self.get_object(), **data)
        return self._answer(obj.pk)


@extend_schema_view(
    create=extend_schema(request=s.PipelineWriteSerializer, responses={201: s.PipelineSerializer}),
    partial_update=extend_schema(
        request=s.PipelineWriteSerializer, responses={200: s.PipelineSerializer}
    ),
)
class PipelineViewSet(PipelineSettingsViewSet):
    """销售流程 with their active stages and gates; administrators add industry variants."""

    queryset = Pipeline.objects.prefetch_related(active_stages())
    serializer_class = s.PipelineSerializer
    filterset_fields = ["is_active"]
    ordering_fields = ["position", "id"]
    create_serializer = write_serializer = s.PipelineWriteSerializer
    saver = staticmethod(services.save_pipeline)


@extend_schema_view(
    create=extend_schema(request=s.StageCreateSerializer, responses={201: s.StageSerializer}),
    partial_update=extend_schema(
        request=s.StageWriteSerializer, responses={200: s.StageSerializer}
    ),
)
class StageViewSet(PipelineSettingsViewSet):
    """商机阶段, the inactive ones included; retire a stage with is_active=false."""

    queryset = Stage.objects.order_by("pipeline", "position", "pk")
    serializer_class = s.StageSerializer
    filterset_fields = ["pipeline", "is_active"]
    create_serializer = s.StageCreateSerializer
    write_serializer = s.StageWriteSerializer
    saver = staticmethod(services.save_stage)


@extend_schema_view(
    create=extend_schema(request=s.GateCreateSerializer, responses={201: s.GateSerializer}),
    partial_update=extend_schema(request=s.GateWriteSerializer, responses={200: s.GateSerializer}),
)
class GateViewSet(PipelineSettingsViewSet):
    """阶段关卡: checks (资质审核 …) an opportunity passes before entering their stage."""

    queryset = Gate.objects.order_by("stage", "pk")
    serializer_class = s.GateSerializer
    filterset_fields = ["stage"]
    create_serializer = s.GateCreateSerializer
    write_serializer = s.GateWriteSerializer
    saver = staticmethod(services.save_gate)


# --- contracts and orders ----------------------------------------------------------------------


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """合同. Never deleted: terminated or corrected with PATCH (If-Match). Every write
    re-derives the customer's cooperation facts and level."""

    filterset_class = ContractFilter
    ordering_fields = ["id", "signed_on", "ends_on", "amount"]
    ordering = ["-id"]
    queryset = Contract.objects.none()
    serializer_class = s.ContractSerializer

    def get_queryset(self) -> QuerySet[Contract]:
        return Contract.objects.visible_to(request_user(self.request)).with_list_data()

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return versioned_response(self, self.get_queryset(), s.ContractSerializer, pk, code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(services.get_visible_contract(api_actor(request), kwargs["pk"]).pk)

    @extend_schema(request=s.ContractCreateSerializer, responses={201: s.ContractSerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.ContractCreateSerializer, request.data)
        contract = services.create_contract(api_actor(request), **data)
        return self._detail(contract.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.ContractWriteSerializer, responses={200: s.ContractSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        contract = services.get_visible_contract(actor, pk)
        version = expected_version(request, contract.pk)
        data = validated(s.ContractWriteSerializer, request.data, partial=True)
        services.update_contract(actor, contract, expected_version=version, **data)
        return self._detail(contract.pk)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """订单. Corrected with PATCH (If-Match); one entered by mistake is deleted with a reason."""

    filterset_class = OrderFilter
    ordering_fields = ["id", "ordered_on", "amount"]
    ordering = ["-id"]
    queryset = Order.objects.none()
    serializer_class = s.OrderSerializer

    def get_queryset(self) -> QuerySet[Order]:
        rows = Order.objects.visible_to(request_user(self.request)).with_list_data()
        return rows.select_related("contract")

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return versioned_response(self, self.get_queryset(), s.OrderSerializer, pk, code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(services.get_visible_order(api_actor(request), kwargs["pk"]).pk)

    @extend_schema(request=s.OrderCreateSerializer, responses={201: s.OrderSerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.OrderCreateSerializer, request.data)
        order = services.create_order(api_actor(request), **data)
        return self._detail(order.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.OrderWriteSerializer, responses={200: s.OrderSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        order = services.get_visible_order(actor, pk)
        version = expected_version(request, order.pk)
        data = validated(s.OrderWriteSerializer, request.data, partial=True)
        services.update_order(actor, order, expected_version=version, **data)
        return self._detail(order.pk)

    @extend_schema(parameters=[REASON_PARAM], request=s.ReasonSerializer, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        order = services.get_visible_order(actor, pk)
        services.delete_order(actor, order, **reason_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def reason_of(request: Request) -> dict[str, Any]:
    """`reason` from the body, else from the query string (DELETE bodies are often dropped)."""
    return validated(s.ReasonSerializer, request.data or request.query_params)


# --- the customer's level and the tier rules ---------------------------------------------------


class LevelOverrideView(APIView):
    """POST: hold the customer's level by hand (with a reason); DELETE: back to the level
    computed from the trailing-12-month signed contracts."""

    def _answer(self, request: Request, pk: int) -> Response:
        rows = Customer.objects.visible_to(request_user(request)).filter(pk=pk)
        row = rows.values("id", "level", "level_manual").first()
        if row is None:  # the write took it out of the actor's scope
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.CustomerLevelSerializer(row).data)

    @extend_schema(request=s.LevelOverrideSerializer, responses={200: s.CustomerLevelSerializer})
    def post(self, request: Request, pk: int) -> Response:
        data = validated(s.LevelOverrideSerializer, request.data)
        customer = services.set_level_override(api_actor(request), pk, **data)
        return self._answer(request, customer.pk)

    @extend_schema(
        parameters=[REASON_PARAM],
        request=s.ReasonSerializer,
        responses={200: s.CustomerLevelSerializer},
    )
    def delete(self, request: Request, pk: int) -> Response:
        customer = services.clear_level_override(api_actor(request), pk, **reason_of(request))
        return self._answer(request, customer.pk)


class TierRulesView(APIView):
    """GET: the customer tier rules (everyone); PUT/PATCH: change them (administrators;
    audited, then every customer with contracts or orders is tiered again)."""

    permission_classes = [ReadOnlyOrAdmin]

    def _body(self, row: Any) -> dict[str, Any]:
        data = dict(s.TierRulesSerializer(row).data)
        if row._state.adding:  # never saved: the seed's defaults
            data["updated_at"] = data["updated_by"] = None
        return data

    @extend_schema(responses={200: s.TierRulesSerializer})
    def get(self, request: Request) -> Response:
        return Response(self._body(services.tier_rules()))

    @extend_schema(request=s.TierRulesSerializer, responses={200: s.TierRulesSerializer})
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(request=s.TierRulesSerializer, responses={200: s.TierRulesSerializer})
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        body = validated(s.TierRulesSerializer, request.data, partial=partial)
        return Response(self._body(services.save_tier_rules(api_actor(request), **body)))
