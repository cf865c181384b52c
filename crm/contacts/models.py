from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm.core.fields import EncryptedTextField
from crm.core.models import ChoiceLabels

from .choices import DecisionRole


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user):  # type: ignore[no-untyped-def]
        from crm.accounts import policy

        return self.filter(policy.customer_scope(user, prefix="customer__"))

    def with_permissions(self, user):  # type: ignore[no-untyped-def]
        from django.db.models import BooleanField, Case, Value, When

        from crm.accounts import policy

        scope = policy.customer_edit_scope(user, prefix="customer__")
        if not scope:
            return self.annotate(can_edit=Value(True))
        return self.annotate(
            can_edit=Case(
                When(scope, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )

    def with_list_data(self):  # type: ignore[no-untyped-def]
        return self.select_related("customer")


class Contact(ChoiceLabels, models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField("姓名", max_length=60)
    name_pinyin = models.CharField(max_length=200, editable=False, blank=True)
    name_initials = models.CharField(max_length=60, editable=False, blank=True)
    title = models.CharField("职务", max_length=60, blank=True)
    department = models.CharField("部门", max_length=60, blank=True)
    phone = models.CharField("办公电话", max_length=30, blank=True)
    phone_digits = models.CharField(max_length=30, editable=False, blank=True)
    mobile = models.CharField("手机", max_length=11, blank=True)
    email = models.EmailField("邮箱", max_length=120, blank=True)
    wechat = models.CharField("微信", max_length=60, blank=True)
    decision_role = models.CharField(
        "决策链角色", max_length=16, choices=DecisionRole.choices, default=DecisionRole.OTHER
    )
    concerns = models.CharField("关注点", max_length=200, blank=True)
    is_primary = models.BooleanField("主要联系人", default=False)
    id_number = EncryptedTextField("证件号码", blank=True)
    id_number_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    bank_account = EncryptedTextField("银行账户", blank=True)
    bank_account_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    emergency_contact = models.CharField("紧急联系人", max_length=60, blank=True)
    emergency_phone = models.CharField("紧急联系人电话", max_length=30, blank=True)
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = "联系人"
        verbose_name_plural = "联系人"
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="contact_one_primary"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-is_primary"], name="contact_by_customer"),
            models.Index(fields=["mobile"], name="contact_mobile"),
        ]

    def __str__(self) -> str:
        return self.name
