"""The only writer of notifications: raise them (the daily job), read them (their recipient),
and send the e-mail digest when e-mail is configured.

- `notify_many` inserts what is new and returns it; a notification that exists for the same
  recipient and key is left alone (unique constraint: the daily job is idempotent, and two
  runs at once cannot both insert).
- `mark_read` / `mark_all_read` touch only the caller's own notifications.
- `send_digests` mails each recipient with an e-mail address one message listing the unsent
  notifications of the last two days (so a failed SMTP run is retried by the next one) and
  marks them sent. Without `CRM_NOTIFY_EMAIL` nothing is mailed.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from crm.accounts.models import User

from . import text
from .choices import Kind
from .models import Notification

log = logging.getLogger(__name__)
DIGEST_DAYS = 2
DIGEST_LINES = 50


@dataclass(frozen=True)
class Spec:
    """One notification to raise (`key` unique per recipient; see models)."""

    recipient_id: int
    kind: Kind
    key: str
    customer_id: int
    due: datetime.date
    overdue_days: int
    task_id: int | None = None
    subject_id: int | None = None


def notify_many(specs: Sequence[Spec]) -> int:
    """Insert the notifications not raised before; return how many are new."""
    if not specs:
        return 0
    wanted = {(s.recipient_id, s.key): s for s in specs}
    keys = {key for _, key in wanted}
    recipients = {recipient for recipient, _ in wanted}
    existing = set(
        Notification.objects.filter(recipient_id__in=recipients, key__in=keys).values_list(
            "recipient_id", "key"
        )
    )
    now = timezone.now()
    new = [
        Notification(
            recipient_id=s.recipient_id,
            kind=s.kind,
            key=s.key,
            customer_id=s.customer_id,
            task_id=s.task_id,
            subject_id=s.subject_id,
            due=s.due,
            overdue_days=min(s.overdue_days, 32767),
            created_at=now,
        )
        for pair, s in wanted.items()
        if pair not in existing
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        recount({n.recipient_id for n in new})
    return len(new)


def recount(user_ids: Iterable[int]) -> None:
    """Store each user's unread count (User.unread_notifications), counted afresh."""
    ids = list(user_ids)
    if not ids:
        return
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    User.objects.filter(pk__in=ids).update(
        unread_notifications=Coalesce(Subquery(unread), Value(0))
    )


def mark_read(user: User, ids: Iterable[int]) -> int:
    """Mark the user's own notifications read; others' ids are ignored. Returns the count."""
    wanted = [int(i) for i in ids]
    return _mark(user, Notification.objects.filter(recipient=user, pk__in=wanted))


def mark_all_read(user: User) -> int:
    return _mark(user, Notification.objects.filter(recipient=user))


def _mark(user: User, notifications: QuerySet[Notification]) -> int:
    with transaction.atomic():
        count = notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        if count:
            recount([user.pk])
            user.refresh_from_db(fields=["unread_notifications"])
    return count


def email_enabled() -> bool:
    return bool(getattr(settings, "CRM_NOTIFY_EMAIL", False))


def send_digests(now: datetime.datetime | None = None) -> int:
    """Mail each recipient their unsent notifications of the last DIGEST_DAYS days, one
    message per recipient. Returns the number of messages sent."""
    if not email_enabled():
        return 0
    now = now or timezone.now()
    unsent = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - datetime.timedelta(days=DIGEST_DAYS),
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .select_related("recipient", "customer", "task", "subject")
        .order_by("recipient_id", "-overdue_days", "pk")
    )
    by_recipient: dict[int, list[Notification]] = defaultdict(list)
    for notification in unsent:
        by_recipient[notification.recipient_id].append(notification)
    if not by_recipient:
        return 0
    sent = 0
    try:
        with mail.mailers.default as mailer:
            for items in by_recipient.values():
                sent += _send_digest(mailer, items, now)
    except Exception:  # an unreachable SMTP server must not stop the daily job
        log.exception("提醒邮件服务器不可用,%d 位用户的提醒下次再发", len(by_recipient) - sent)
    return sent


def _send_digest(mailer: Any, items: list[Notification], now: datetime.datetime) -> int:
    recipient = items[0].recipient
    with translation.override(settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=text.digest_subject(len(items)),
            body=text.digest_body(recipient, items[:DIGEST_LINES], len(items)),
            to=[recipient.email],
        )
    try:
        mailer.send_messages([message])
    except Exception:  # one refused address must not stop the others
        log.exception("提醒邮件发送失败: 用户 %s", recipient.pk)
        return 0
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
    return 1
