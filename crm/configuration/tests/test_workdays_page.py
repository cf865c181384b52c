"""The working-day calendar settings page (/settings/workdays/): a year's schedule, the warning
for a year chinese-calendar does not know, and adding or removing overrides."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from crm.accounts.models import User
from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor
from crm.workdays import services
from crm.workdays.calendar import is_workday
from crm.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db
URL = "/settings/workdays/"
ROW = re.compile(r'<tr data-day="([0-9-]+)">(.*?)</tr>', re.DOTALL)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(personas: Personas) -> Client:
    return signed_in(personas.admin)


def rows(html: str) -> dict[str, str]:
    """day -> the row's cell texts joined by " | " (tags and blank space removed)."""
    found = {}
    for day, body in ROW.findall(html):
        cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in body.split("</td>")[:-1]]
        found[day] = " | ".join(" ".join(c.split()) for c in cells).strip()
    return found


def test_2026_lists_the_national_day_holiday_and_make_up_days(admin: Client) -> None:
    html = admin.get(f"{URL}?year=2026").content.decode()
    shown = rows(html)

    assert "workday-unknown-year" not in html
    assert shown["2026-09-20"] == "2026-09-20 | 周日 | 上班 | 国庆节 · 调休补班 | — |"
    assert shown["2026-10-01"] == "2026-10-01 | 周四 | 休息 | 国庆节 · 放假 | — |"
    assert shown["2026-10-07"] == "2026-10-07 | 周三 | 休息 | 国庆节 · 放假 | — |"
    assert shown["2026-10-10"] == "2026-10-10 | 周六 | 上班 | 国庆节 · 调休补班 | — |"
    assert shown["2026-02-14"] == "2026-02-14 | 周六 | 上班 | 春节 · 调休补班 | — |"
    assert "2026-10-08" not in shown and "2026-10-11" not in shown
    assert len(shown) == 39  # 33 holiday days and 6 make-up days


def test_an_unknown_year_shows_the_warning_and_no_rows(admin: Client) -> None:
    html = admin.get(f"{URL}?year=2031").content.decode()

    assert "chinese-calendar 尚未收录 2031 年的节假日安排,请在下方录入" in html
    assert rows(html) == {}
    assert "2031 年没有节假日安排或调整记录" in html


def test_overrides_are_listed_with_what_they_change(personas: Personas, admin: Client) -> None:
    services.set_override(
        actor(personas.admin), day=datetime.date(2026, 10, 10), is_workday=False, note="不补班"
    )
    services.set_override(
        actor(personas.admin), day=datetime.date(2026, 3, 7), is_workday=True, note="年会"
    )

    shown = rows(admin.get(f"{URL}?year=2026").content.decode())

    assert shown["2026-10-10"] == (
        "2026-10-10 | 周六 | 休息 | 国庆节 · 调休补班 | 改为休息 不补班 | 删除调整"
    )
    assert shown["2026-03-07"] == "2026-03-07 | 周六 | 上班 | — | 改为上班 年会 | 删除调整"


def test_admin_adds_an_override_through_the_form(personas: Personas, admin: Client) -> None:
    response = admin.post(
        f"{URL}?year=2026", {"day": "2031-01-01", "is_workday": "0", "note": "元旦"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"{URL}?year=2031"
    saved = CalendarOverride.objects.get()
    assert (saved.day, saved.is_workday, saved.note) == (datetime.date(2031, 1, 1), False, "元旦")
    assert is_workday(datetime.date(2031, 1, 1)) is False
    event = AuditEvent.objects.get(action="workday.override_set")
    assert (event.source, event.actor) == ("web", personas.admin)


def test_a_bad_date_is_shown_on_the_form(admin: Client) -> None:
    response = admin.post(URL, {"day": "2026-02-30", "is_workday": "1", "note": ""})

    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert CalendarOverride.objects.count() == 0


def test_a_day_outside_1900_to_2100_is_refused_by_the_service(admin: Client) -> None:
    response = admin.post(URL, {"day": "2101-01-01", "is_workday": "1"})

    assert "日期须在 1900-01-01 至 2100-12-31 之间" in response.content.decode()
    assert CalendarOverride.objects.count() == 0


def test_admin_removes_an_override(personas: Personas, admin: Client) -> None:
    day = datetime.date(2026, 10, 10)
    services.set_override(actor(personas.admin), day=day, is_workday=False)

    response = admin.post(f"{URL}remove/", {"day": "2026-10-10"})

    assert response.headers["Location"] == f"{URL}?year=2026"
    assert CalendarOverride.objects.count() == 0
    assert is_workday(day) is True


def test_removing_a_missing_override_says_so(admin: Client) -> None:
    response = admin.post(f"{URL}remove/", {"day": "2026-10-10"}, follow=True)

    assert "该日期没有调整记录" in response.content.decode()


@pytest.mark.parametrize("persona", ["alice", "carol", "erin"])
def test_non_admins_cannot_add_or_remove_overrides(personas: Personas, persona: str) -> None:
    services.set_override(actor(personas.admin), day=datetime.date(2026, 10, 10), is_workday=False)
    client = signed_in(getattr(personas, persona))

    added = client.post(URL, {"day": "2026-03-07", "is_workday": "1"})
    removed = client.post(f"{URL}remove/", {"day": "2026-10-10"})

    assert (added.status_code, removed.status_code) == (403, 403)
    assert list(CalendarOverride.objects.values_list("day", flat=True)) == [
        datetime.date(2026, 10, 10)
    ]


@pytest.mark.parametrize("year", ["abc", "1800", "99999", ""])
def test_a_bad_year_shows_the_current_year(admin: Client, year: str) -> None:
    html = admin.get(f"{URL}?year={year}").content.decode()

    this_year = timezone.localdate().year
    assert f'<option value="{this_year}" selected>' in html
