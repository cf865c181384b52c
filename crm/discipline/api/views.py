"""GET /api/v1/agenda/[?user=<id>]: the caller's agenda, or a team member's for a manager."""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.accounts.models import User
from crm.core.api import ReadOnlyOrAdmin, api_actor, request_user, validated
from crm.customers.models import Customer
from crm.discipline import selectors, services
from crm.discipline.models import RULE_FIELDS, DisciplineRules
from crm.records.models import Record, Task
from crm.workdays.sla import ClockRow


def _customer(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "number": customer.number,
        "name": customer.name,
        "stage": customer.stage,
        "intent": customer.intent,
        "level": customer.level,
        "status": customer.status,
        "follow_up_due": customer.follow_up_due,
        "overdue_days": getattr(customer, "overdue_days", 0),
        "escalated": customer.escalated,
        "last_contacted_at": customer.last_contacted_at,
    }


def _task(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "description": task.description,
        "due": task.due,
        "overdue_days": getattr(task, "overdue_days", 0),
        "customer": {"id": task.customer_id, "name": task.customer.name},
        "owner": task.owner_id,
        "collaborator": task.collaborator_id,
        "record": task.record_id,
    }


def _record(record: Record) -> dict[str, Any]:
    return {
        "id": record.pk,
        "customer": {"id": record.customer_id, "name": record.customer.name},
        "occurred_at": record.occurred_at,
        "filed_at": record.filed_at,
        "channel": record.channel,
    }


def _clock(row: ClockRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "label": row.label,
        "subject": row.subject,
        "customer": {"id": row.customer_id, "name": row.customer_name},
        "due": row.due,
        "status": row.status,
        "breached": row.breached,
    }


def agenda_body(agenda: selectors.Agenda) -> dict[str, Any]:
    return {
        "user": {"id": agenda.user.pk, "name": str(agenda.user)},
        "date": agenda.today,
        "follow_ups_due_today": [_customer(c) for c in agenda.follow_ups_due_today],
        "follow_ups_overdue": [_customer(c) for c in agenda.follow_ups_overdue],
        "tasks_due_today": [_task(t) for t in agenda.tasks_due_today],
        "tasks_overdue": [_task(t) for t in agenda.tasks_overdue],
        "tasks_upcoming": [_task(t) for t in agenda.tasks_upcoming],
        "late_cards": [_record(r) for r in agenda.late_cards],
        "clocks": [_clock(c) for c in agenda.clocks],
        "breaches": agenda.breaches,
        "counts": {name: agenda.counts[name] for name in (*selectors.SECTIONS, "clocks")},
    }


class AgendaView(APIView):
    """我的待办: follow-ups due today and overdue, to-dos due today, overdue and in the next
    7 days, late cards, and the SLA clocks 服务时限 running on the user's business: `clocks`
    (at most 30, overdue first: code, label, subject, customer, due, status open / due_today /
    breached, breached) and `breaches` (open past due per clock — solution, objection,
    handover, acceptance, survey, improvement — and total); `counts.clocks` counts them all."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "user", OpenApiTypes.INT, description="团队成员 ID (经理或管理员可查看)"
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        viewer = cast(User, request_user(request))
        user = selectors.agenda_user(viewer, request.query_params.get("user"))
        return Response(agenda_body(selectors.agenda(viewer, user, timezone.localdate())))


class DisciplineRulesSerializer(serializers.ModelSerializer):
    """跟进纪律规则 (working days; months for the two flags); bounds from the model."""

    updated_by = serializers.IntegerField(source="updated_by_id", read_only=True, allow_null=True)

    class Meta:
        model = DisciplineRules
        fields = [*RULE_FIELDS, "updated_at", "updated_by"]
        read_only_fields = ["updated_at"]


class DisciplineRulesView(APIView):
    """GET: the follow-up discipline rules (everyone); PATCH: change them (administrators;
    audited, then every customer is re-evaluated for today)."""

    permission_classes = [ReadOnlyOrAdmin]

    def _body(self, row: Any) -> dict[str, Any]:
        data = dict(DisciplineRulesSerializer(row).data)
        if row._state.adding:  # never saved: the documents' defaults
            data["updated_at"] = data["updated_by"] = None
        return data

    @extend_schema(responses={200: DisciplineRulesSerializer})
    def get(self, request: Request) -> Response:
        return Response(self._body(services.get_rules()))

    @extend_schema(request=DisciplineRulesSerializer, responses={200: DisciplineRulesSerializer})
    def patch(self, request: Request) -> Response:
        body = validated(DisciplineRulesSerializer, request.data, partial=True)
        row = services.update_rules(api_actor(request), **body)
        return Response(self._body(row))
