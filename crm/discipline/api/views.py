"""GET /api/v1/agenda/[?user=<id>]: the caller's agenda, or a team member's for a manager."""

from __future__ import annotations

from typing import cast

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.accounts.models import User
from crm.core.api import request_user
from crm.discipline import selectors


class AgendaView(APIView):
    """我的待办: follow-ups due today and overdue, to-dos due today and overdue, late cards."""

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
        return Response(selectors.agenda(viewer, user, timezone.localdate()))
