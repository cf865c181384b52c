"""Override writes: administrators only, validated, audited, and the cache follows them."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.audit.models import AuditEvent
from crm.core.errors import NotFound
from crm.core.testing import Personas, actor
from crm.workdays import services
from crm.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db
NATIONAL_DAY_MAKEUP = datetime.date(2026, 10, 10)


def events() -> list[tuple[str, str, dict[str, object]]]:
    return [
        (e.action, e.object_repr, e.changes)
        for e in AuditEvent.objects.filter(action__startswith="workday.").order_by("id")
    ]


def test_admin_sets_an_override_with_its_audit_row(personas: Personas) -> None:
    override = services.set_override(
        actor(personas.admin), day=NATIONAL_DAY_MAKEUP, is_workday=False, note=" 公司不补班 "
    )

    saved = CalendarOverride.objects.get()
    assert (saved.day, saved.is_workday, saved.note, saved.updated_by) == (
        NATIONAL_DAY_MAKEUP,
        False,
        "公司不补班",
        personas.admin,
    )
    assert override.pk == saved.pk
    assert events() == [
        (
            "workday.override_set",
            "2026-10-10 休息",
            {
                "day": {"before": None, "after": "2026-10-10"},
                "is_workday": {"before": None, "after": False},
                "note": {"before": None, "after": "公司不补班"},
            },
        )
    ]


def test_setting_the_same_day_again_changes_it_and_records_the_difference(
    personas: Personas,
) -> None:
    admin = actor(personas.admin)
    services.set_override(admin, day=NATIONAL_DAY_MAKEUP, is_workday=False, note="公司不补班")

    services.set_override(admin, day=NATIONAL_DAY_MAKEUP, is_workday=True, note="照常补班")

    assert CalendarOverride.objects.get().is_workday is True
    assert events()[-1][2] == {
        "is_workday": {"before": False, "after": True},
        "note": {"before": "公司不补班", "after": "照常补班"},
    }


def test_an_unchanged_override_writes_nothing(personas: Personas) -> None:
    admin = actor(personas.admin)
    services.set_override(admin, day=NATIONAL_DAY_MAKEUP, is_workday=False, note="x")

    services.set_override(admin, day=NATIONAL_DAY_MAKEUP, is_workday=False, note="x")

    assert len(events()) == 1


def test_admin_removes_an_override_with_its_audit_row(personas: Personas) -> None:
    admin = actor(personas.admin)
    services.set_override(admin, day=NATIONAL_DAY_MAKEUP, is_workday=False, note="")

    services.remove_override(admin, day=NATIONAL_DAY_MAKEUP)

    assert CalendarOverride.objects.count() == 0
    assert events()[-1] == (
        "workday.override_remove",
        "2026-10-10 休息",
        {
            "day": {"before": "2026-10-10", "after": None},
            "is_workday": {"before": False, "after": None},
        },
    )


def test_removing_a_day_without_an_override_is_not_found(personas: Personas) -> None:
    with pytest.raises(NotFound):
        services.remove_override(actor(personas.admin), day=NATIONAL_DAY_MAKEUP)


@pytest.mark.parametrize("persona", ["alice", "carol", "erin"])
def test_non_admins_may_not_set_or_remove_overrides(personas: Personas, persona: str) -> None:
    services.set_override(actor(personas.admin), day=NATIONAL_DAY_MAKEUP, is_workday=False)
    user = actor(getattr(personas, persona))

    with pytest.raises(PermissionDenied):
        services.set_override(user, day=NATIONAL_DAY_MAKEUP, is_workday=True)
    with pytest.raises(PermissionDenied):
        services.remove_override(user, day=NATIONAL_DAY_MAKEUP)

    assert list(CalendarOverride.objects.values_list("is_workday", flat=True)) == [False]
    assert len(events()) == 1


@pytest.mark.parametrize("day", [datetime.date(1899, 12, 31), datetime.date(2101, 1, 1)], ids=str)
def test_days_outside_1900_to_2100_are_refused(personas: Personas, day: datetime.date) -> None:
    with pytest.raises(ValidationError) as caught:
        services.set_override(actor(personas.admin), day=day, is_workday=True)

    assert caught.value.message_dict == {"day": ["日期须在 1900-01-01 至 2100-12-31 之间"]}
    assert CalendarOverride.objects.count() == 0


def test_a_note_longer_than_100_characters_is_refused(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        services.set_override(
            actor(personas.admin), day=NATIONAL_DAY_MAKEUP, is_workday=True, note="长" * 101
        )

    assert list(caught.value.message_dict) == ["note"]
    assert events() == []
