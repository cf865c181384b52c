"""Deliveries, surveys, feedback, referrals, risk warnings and the case library over REST:
thin adapters over crm.aftersales.services and the visible_to() querysets.

Every row answers with an ETag; PATCH needs If-Match (428 without, 412 when stale); the
actions (deliver, accept, resolve …) check If-Match when it is sent."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.aftersales import selectors, services
from crm.aftersales.filters import (
    CaseFilter,
    DeliveryFilter,
    FeedbackFilter,
    ReferralFilter,
    RiskFilter,
    SurveyFilter,
)
from crm.aftersales.models import (
    Case,
    Delivery,
    DeliveryProgress,
    Feedback,
    Referral,
    Risk,
    Survey,
)
from crm.core.api import (
    api_actor,
    expected_version,
    request_user,
    validated,
    versioned_response,
)

from . import serializers as s

REASON_PARAM = OpenApiParameter("reason", OpenApiTypes.STR, description="原因(也可放在请求体)")


def optional_version(request: Request, pk: int) -> int | None:
    """If-Match is optional on the actions: checked when sent."""
    return expected_version(request, pk) if request.headers.get("If-Match") else None


class AftersalesViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One after-sales resource: list and retrieve from the actor's visible rows, create and
    PATCH (If-Match) through its services."""

    ordering = ["-id"]
    model: ClassVar[Any]
    related: ClassVar[tuple[str, ...]] = ("customer",)
    getter: ClassVar[Any]
    creator: ClassVar[Any]
    updater: ClassVar[Any]
    create_serializer: ClassVar[Any]
    write_serializer: ClassVar[Any]

    def get_queryset(self) -> QuerySet[Any]:
        rows = type(self).model.objects.visible_to(request_user(self.request))
        return rows.select_related(*type(self).related)  # type: ignore[no-any-return]

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return versioned_response(self, self.get_queryset(), self.get_serializer_class(), pk, code)

    def _visible(self, request: Request, pk: Any) -> Any:
        return type(self).getter(api_actor(request), pk)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._visible(request, kwargs["pk"]).pk)

    def create(self, request: Request) -> Response:
        data = validated(type(self).create_serializer, request.data)
        made = type(self).creator(api_actor(request), **data)
        return self._detail(made.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        obj = self._visible(request, pk)
        version = expected_version(request, obj.pk)
        data = validated(type(self).write_serializer, request.data, partial=True)
        type(self).updater(api_actor(request), obj, expected_version=version, **data)
        return self._detail(obj.pk)

    def _act(self, request: Request, pk: str, write: Any, serializer: Any) -> Response:
        """An action: `write(actor, obj, expected_version=…, **body)`, then the row."""
        obj = self._visible(request, pk)
        version = optional_version(request, obj.pk)
        body = validated(serializer, request.data)
        write(api_actor(request), obj, expected_version=version, **body)
        return self._detail(obj.pk)


def documented(serializer: Any, create: Any, write: Any) -> Any:
    """The OpenAPI shapes of create and PATCH (the input serializers are not the output)."""
    return extend_schema_view(
        create=extend_schema(request=create, responses={201: serializer}),
        partial_update=extend_schema(request=write, responses={200: serializer}),
    )


# --- deliveries ---------------------------------------------------------------------------------


@documented(s.DeliverySerializer, s.DeliveryCreateSerializer, s.DeliveryWriteSerializer)
class DeliveryViewSet(AftersalesViewSet):
    """交付. `deliver` starts the 3-working-day acceptance clock, `accept` answers it and starts
    the 7-working-day survey clock; `progress` adds a weekly progress note."""

    filterset_class = DeliveryFilter
    ordering_fields = ["id", "updated_at"]
    queryset = Delivery.objects.none()
    serializer_class = s.DeliverySerializer
    model = Delivery
    related = ("customer", "contract")
    getter = staticmethod(services.get_visible_delivery)
    creator = staticmethod(services.create_delivery)
    updater = staticmethod(services.update_delivery)
    create_serializer = s.DeliveryCreateSerializer
    write_serializer = s.DeliveryWriteSerializer

    def get_queryset(self) -> QuerySet[Any]:
        notes = DeliveryProgress.objects.select_related("author").order_by("-noted_on", "-pk")
        return super().get_queryset().prefetch_related(Prefetch("progress", queryset=notes))

    @extend_schema(request=s.DeliverSerializer, responses={200: s.DeliverySerializer})
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.mark_delivered, s.DeliverSerializer)

    @extend_schema(request=s.AcceptSerializer, responses={200: s.DeliverySerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.accept_delivery, s.AcceptSerializer)

    @extend_schema(request=s.ProgressInputSerializer, responses={201: s.DeliverySerializer})
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        delivery = services.get_visible_delivery(actor, pk)
        services.add_progress(actor, delivery, **validated(s.ProgressInputSerializer, request.data))
        return self._detail(delivery.pk, status.HTTP_201_CREATED)


# --- surveys ------------------------------------------------------------------------------------


@documented(s.SurveySerializer, s.SurveyCreateSerializer, s.SurveyWriteSerializer)
class SurveyViewSet(AftersalesViewSet):
    """满意度调查. Every write moves the customer in or out of 核心客户池 (shown as
    `core_pool`); suggestions are answered with `improvement` within 15 working days."""

    filterset_class = SurveyFilter
    ordering_fields = ["id", "surveyed_on", "overall"]
    queryset = Survey.objects.none()
    serializer_class = s.SurveySerializer
    model = Survey
    related = ("customer", "customer__core_pool")
    getter = staticmethod(services.get_visible_survey)
    creator = staticmethod(services.record_survey)
    updater = staticmethod(services.update_survey)
    create_serializer = s.SurveyCreateSerializer
    write_serializer = s.SurveyWriteSerializer

    @extend_schema(request=s.ImprovementSerializer, responses={200: s.SurveySerializer})
    @action(detail=True, methods=["post"])
    def improvement(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.plan_survey_improvement, s.ImprovementSerializer)


# --- feedback -----------------------------------------------------------------------------------


@documented(s.FeedbackSerializer, s.FeedbackCreateSerializer, s.FeedbackWriteSerializer)
class FeedbackViewSet(AftersalesViewSet):
    """客户反馈. An open complaint flags the customer 投诉 (flag_complaint) until resolved;
    a suggestion needs its improvement plan before it is resolved."""

    filterset_class = FeedbackFilter
    ordering_fields = ["id", "received_on"]
    queryset = Feedback.objects.none()
    serializer_class = s.FeedbackSerializer
    model = Feedback
    related = ("customer", "resolved_by")
    getter = staticmethod(services.get_visible_feedback)
    creator = staticmethod(services.record_feedback)
    updater = staticmethod(services.update_feedback)
    create_serializer = s.FeedbackCreateSerializer
    write_serializer = s.FeedbackWriteSerializer

    @extend_schema(request=s.ResolveSerializer, responses={200: s.FeedbackSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.resolve_feedback, s.ResolveSerializer)

    @extend_schema(request=s.ReopenSerializer, responses={200: s.FeedbackSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.reopen_feedback, s.ReopenSerializer)

    @extend_schema(request=s.ImprovementSerializer, responses={200: s.FeedbackSerializer})
    @action(detail=True, methods=["post"])
    def improvement(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.plan_feedback_improvement, s.ImprovementSerializer)


# --- referrals ----------------------------------------------------------------------------------


@documented(s.ReferralSerializer, s.ReferralCreateSerializer, s.ReferralWriteSerializer)
class ReferralViewSet(AftersalesViewSet):
    """转介绍 (`customer` is the referrer). The reward is approved and paid (pending → approved
    → paid) by a sales manager of the referrer owner's team or an administrator
    (`can_approve`); others answer 403."""

    filterset_class = ReferralFilter
    ordering_fields = ["id", "referred_on"]
    queryset = Referral.objects.none()
    serializer_class = s.ReferralSerializer
    model = Referral
    related = ("customer__owner", "referred")
    getter = staticmethod(services.get_visible_referral)
    creator = staticmethod(services.create_referral)
    updater = staticmethod(services.update_referral)
    create_serializer = s.ReferralCreateSerializer
    write_serializer = s.ReferralWriteSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.with_referred_sight(super().get_queryset(), request_user(self.request))

    @extend_schema(request=s.ApproveSerializer, responses={200: s.ReferralSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.approve_referral, s.ApproveSerializer)

    @extend_schema(request=s.PaySerializer, responses={200: s.ReferralSerializer})
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.pay_referral, s.PaySerializer)


# --- risks --------------------------------------------------------------------------------------


@documented(s.RiskSerializer, s.RiskCreateSerializer, s.RiskWriteSerializer)
class RiskViewSet(AftersalesViewSet):
    """风险预警. An open high risk flags the customer 流失风险 (flag_churn_risk); `close` records
    whether the countermeasure worked, `reopen` (with a reason) puts it back."""

    filterset_class = RiskFilter
    ordering_fields = ["id", "raised_on", "due_on"]
    queryset = Risk.objects.none()
    serializer_class = s.RiskSerializer
    model = Risk
    related = ("customer", "owner")
    getter = staticmethod(services.get_visible_risk)
    creator = staticmethod(services.raise_risk)
    updater = staticmethod(services.update_risk)
    create_serializer = s.RiskCreateSerializer
    write_serializer = s.RiskWriteSerializer

    @extend_schema(request=s.CloseRiskSerializer, responses={200: s.RiskSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.close_risk, s.CloseRiskSerializer)

    @extend_schema(request=s.ReopenSerializer, responses={200: s.RiskSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, services.reopen_risk, s.ReopenSerializer)


# --- the case library ---------------------------------------------------------------------------


@documented(s.CaseSerializer, s.CaseCreateSerializer, s.CaseWriteSerializer)
class CaseViewSet(AftersalesViewSet):
    """案例库: every signed-in user reads every case; editors of its customer promote, correct
    and withdraw it (DELETE, with a reason)."""

    filterset_class = CaseFilter
    ordering_fields = ["id", "updated_at"]
    queryset = Case.objects.none()
    serializer_class = s.CaseSerializer
    model = Case
    related = ("customer", "created_by")
    getter = staticmethod(services.get_case)
    creator = staticmethod(services.create_case)
    updater = staticmethod(services.update_case)
    create_serializer = s.CaseCreateSerializer
    write_serializer = s.CaseWriteSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.with_customer_sight(super().get_queryset(), request_user(self.request))

    @extend_schema(parameters=[REASON_PARAM], request=s.WithdrawSerializer, responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = api_actor(request)
        case = services.get_case(actor, kwargs["pk"])
        services.withdraw_case(actor, case, **reason_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def reason_of(request: Request) -> dict[str, Any]:
    """`reason` from the body, else from the query string (DELETE bodies are often dropped)."""
    return validated(s.WithdrawSerializer, request.data or request.query_params)
