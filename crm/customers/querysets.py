from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When

from crm.accounts import policy

if TYPE_CHECKING:
    from crm.accounts.models import User


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> CustomerQuerySet:
        return self.filter(policy.customer_scope(user))

    def editable_by(self, user: User | None) -> CustomerQuerySet:
        return self.filter(policy.customer_edit_scope(user))

    def with_permissions(self, user: User | None) -> CustomerQuerySet:
        """Annotate `can_edit` so serializers decide masking without a query per row."""
        scope = policy.customer_edit_scope(user)
        flag: Any = (
            Value(True)
            if not scope
            else Case(
                When(scope, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        return self.annotate(can_edit=flag)

    def with_list_data(self) -> CustomerQuerySet:
        return self.select_related("owner", "industry", "region__parent", "source")

    def with_detail_data(self) -> CustomerQuerySet:
        return (
            self.with_list_data()
            .select_related("owner__team", "created_by")
            .prefetch_related("tags", "collaborators", "addresses__region__parent")
        )

    def search(self, text: str) -> CustomerQuerySet:
        """Name, short name, number, contact name, phone tail, pinyin full or initials."""
        from crm.contacts.models import Contact
        from crm.core.pinyin import matches_pinyin_query

        q = "".join(text.split())
        if not q:
            return self
        contacts = Contact.objects.filter(customer=OuterRef("pk"))
        match = Q(name__icontains=q) | Q(short_name__icontains=q) | Q(number__icontains=q)
        contact_match = Q(name__icontains=q)
        if matches_pinyin_query(q):
            low = q.lower()
            match |= Q(name_pinyin__contains=low) | Q(name_initials__contains=low)
            contact_match |= Q(name_pinyin__startswith=low) | Q(name_initials__startswith=low)
        if q.isdigit() and len(q) >= 4:
            contact_match |= Q(mobile__endswith=q) | Q(phone_digits__endswith=q)
        return self.filter(match | Exists(contacts.filter(contact_match)))
