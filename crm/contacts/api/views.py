from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.contacts import services
from crm.contacts.filters import ContactFilter
from crm.contacts.models import Contact
from crm.core.api import api_actor, etag_for, expected_version, validated
from crm.customers import services as customer_services

from . import serializers as s


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """联系人. Mobile/email are masked unless the viewer may see them in full."""

    filterset_class = ContactFilter
    ordering_fields = ["id", "name", "updated_at"]
    ordering = ["-id"]
    queryset = Contact.objects.none()

    def get_queryset(self) -> QuerySet[Contact]:
        user = self.request.user
        return Contact.objects.visible_to(user).with_permissions(user).with_list_data()

    def get_serializer_class(self) -> Any:
        return {
            "create": s.ContactCreateSerializer,
            "partial_update": s.ContactWriteSerializer,
            "update": s.ContactWriteSerializer,
            "reveal": s.RevealSerializer,
        }.get(self.action, s.ContactSerializer)

    def _validated(self, serializer_class: Any, partial: bool = False) -> dict[str, Any]:
        return validated(serializer_class, self.request.data, partial)

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        contact = self.get_queryset().get(pk=pk)
        body = s.ContactSerializer(contact, context=self.get_serializer_context()).data
        return Response(body, status=code, headers={"ETag": etag_for(contact.version, pk)})

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(services.get_visible(api_actor(request), kwargs["pk"]).pk)

    @extend_schema(request=s.ContactCreateSerializer, responses={201: s.ContactSerializer})
    def create(self, request: Request) -> Response:
        actor = api_actor(request)
        data = self._validated(s.ContactCreateSerializer)
        customer = customer_services.get_visible(actor, data.pop("customer"))
        contact = services.create_contact(actor, customer=customer, **data)
        return self._detail(contact.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.ContactWriteSerializer, responses={200: s.ContactSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(request=s.ContactWriteSerializer, responses={200: s.ContactSerializer})
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=False)

    def _update(self, request: Request, pk: str, *, partial: bool) -> Response:
        actor = api_actor(request)
        contact = services.get_visible(actor, pk)
        customer_services.get_editable(actor, contact.customer_id)
        version = expected_version(request, contact.pk)
        data = self._validated(s.ContactWriteSerializer, partial=partial)
        services.update_contact(actor, contact, expected_version=version, **data)
        return self._detail(contact.pk)

    def destroy(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        services.delete_contact(actor, services.get_visible(actor, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.RevealSerializer, responses={200: s.RevealResultSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str) -> Response:
        actor = api_actor(request)
        contact = services.get_visible(actor, pk)
        data = self._validated(s.RevealSerializer)
        value = services.reveal(actor, contact, **data)
        return Response({"field": data["field"], "value": value})
