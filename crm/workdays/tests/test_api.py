"""Working-day API: answers, Chinese errors on bad input, and who may write overrides."""

from __future__ import annotations

import datetime

import pytest

from crm.audit.models import AuditEvent
from crm.core.testing import Personas, actor, api_client
from crm.workdays import services
from crm.workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db
RANGE_ERROR = "日期须在 1900-01-01 至 2100-12-31 之间"


def test_add_over_the_national_day_holiday(personas: Personas) -> None:
    response = api_client(personas.alice).get("/api/v1/workdays/add/?start=2026-09-30&days=1")

    assert response.status_code == 200
    assert response.json() == {
        "start": "2026-09-30",
        "days": 1,
        "result": "2026-10-08",
        "known_year": True,
    }


def test_add_backwards_and_zero(personas: Personas) -> None:
    client = api_client(personas.alice)

    back = client.get("/api/v1/workdays/add/?start=2026-10-08&days=-1").json()
    zero = client.get("/api/v1/workdays/add/?start=2026-10-03&days=0").json()

    assert (back["result"], zero["result"]) == ("2026-09-30", "2026-10-08")


def test_add_into_a_year_the_package_does_not_know_says_so(personas: Personas) -> None:
    body = api_client(personas.alice).get("/api/v1/workdays/add/?start=2026-12-31&days=1").json()

    assert body == {"start": "2026-12-31", "days": 1, "result": "2027-01-01", "known_year": False}


def test_add_in_an_unknown_year_with_overrides_is_known(personas: Personas) -> None:
    services.set_override(
        actor(personas.admin), day=datetime.date(2031, 1, 1), is_workday=False, note="元旦"
    )

    body = api_client(personas.alice).get("/api/v1/workdays/add/?start=2030-12-31&days=1").json()

    assert body == {"start": "2030-12-31", "days": 1, "result": "2031-01-02", "known_year": False}
    body = api_client(personas.alice).get("/api/v1/workdays/add/?start=2031-01-01&days=1").json()
    assert body == {"start": "2031-01-01", "days": 1, "result": "2031-01-02", "known_year": True}


def test_between_over_the_holiday(personas: Personas) -> None:
    client = api_client(personas.erin)

    forward = client.get("/api/v1/workdays/between/?start=2026-09-30&end=2026-10-09")
    backward = client.get("/api/v1/workdays/between/?start=2026-10-09&end=2026-09-30")

    assert forward.status_code == 200
    assert forward.json() == {"start": "2026-09-30", "end": "2026-10-09", "workdays": 2}
    assert backward.json()["workdays"] == -2


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("start=2026-09-30", {"days": ["请提供天数 days"]}),
        ("days=1", {"start": ["请提供日期(YYYY-MM-DD)"]}),
        ("start=2026-13-01&days=1", {"start": ["日期格式不正确,应为 YYYY-MM-DD"]}),
        ("start=30/09/2026&days=1", {"start": ["日期格式不正确,应为 YYYY-MM-DD"]}),
        ("start=1899-12-31&days=1", {"start": [RANGE_ERROR]}),
        ("start=2101-01-01&days=1", {"start": [RANGE_ERROR]}),
        ("start=2026-09-30&days=1001", {"days": ["天数不能大于 1000"]}),
        ("start=2026-09-30&days=-1001", {"days": ["天数不能小于 -1000"]}),
        ("start=2026-09-30&days=abc", {"days": ["天数须为整数"]}),
    ],
    ids=str,
)
def test_add_refuses_bad_input_in_chinese(
    personas: Personas, query: str, errors: dict[str, list[str]]
) -> None:
    response = api_client(personas.alice).get(f"/api/v1/workdays/add/?{query}")

    assert response.status_code == 400
    assert response.json() == errors


def test_add_accepts_the_limits(personas: Personas) -> None:
    client = api_client(personas.alice)

    early = client.get("/api/v1/workdays/add/?start=1900-01-01&days=-1000")
    late = client.get("/api/v1/workdays/add/?start=2100-12-31&days=1000")

    assert (early.status_code, late.status_code) == (200, 200)
    assert (early.json()["known_year"], late.json()["known_year"]) == (False, False)


def test_between_refuses_bad_input_in_chinese(personas: Personas) -> None:
    response = api_client(personas.alice).get(
        "/api/v1/workdays/between/?start=2026-09-30&end=2200-01-01"
    )

    assert response.status_code == 400
    assert response.json() == {"end": [RANGE_ERROR]}


def test_anonymous_callers_get_401() -> None:
    response = api_client(None).get("/api/v1/workdays/add/?start=2026-09-30&days=1")

    assert response.status_code == 401


# --- overrides ------------------------------------------------------------------------------


def test_admin_creates_then_changes_an_override(personas: Personas) -> None:
    client = api_client(personas.admin)
    body = {"day": "2026-10-10", "is_workday": False, "note": "公司不补班"}

    created = client.post("/api/v1/workday-overrides/", body, format="json")
    changed = client.post("/api/v1/workday-overrides/", {**body, "is_workday": True}, format="json")

    assert (created.status_code, changed.status_code) == (201, 200)
    result = changed.json()
    assert {k: result[k] for k in ("day", "is_workday", "note", "updated_by_name")} == {
        "day": "2026-10-10",
        "is_workday": True,
        "note": "公司不补班",
        "updated_by_name": "管理员",
    }
    assert list(AuditEvent.objects.values_list("action", "source").order_by("id")) == [
        ("workday.override_set", "api"),
        ("workday.override_set", "api"),
    ]


def test_api_write_is_seen_by_the_next_calculation(personas: Personas) -> None:
    admin = api_client(personas.admin)
    admin.get("/api/v1/workdays/add/?start=2026-10-09&days=1")  # warm the cache
    body = {"day": "2026-10-10", "is_workday": False}

    admin.post("/api/v1/workday-overrides/", body, format="json")

    result = admin.get("/api/v1/workdays/add/?start=2026-10-09&days=1").json()["result"]
    assert result == "2026-10-12"


def test_everyone_signed_in_lists_overrides_by_day(personas: Personas) -> None:
    admin = actor(personas.admin)
    services.set_override(admin, day=datetime.date(2031, 1, 1), is_workday=False, note="元旦")
    services.set_override(admin, day=datetime.date(2026, 10, 10), is_workday=False, note="")

    everything = api_client(personas.alice).get("/api/v1/workday-overrides/").json()
    in_2031 = api_client(personas.dave).get("/api/v1/workday-overrides/?year=2031").json()

    assert [r["day"] for r in everything["results"]] == ["2026-10-10", "2031-01-01"]
    assert [r["day"] for r in in_2031["results"]] == ["2031-01-01"]


def test_bad_year_filter_is_refused(personas: Personas) -> None:
    response = api_client(personas.alice).get("/api/v1/workday-overrides/?year=abc")

    assert response.status_code == 400
    assert response.json() == {"year": ["年份须为 1900 至 2100 之间的整数"]}


def test_admin_deletes_an_override_by_day(personas: Personas) -> None:
    services.set_override(actor(personas.admin), day=datetime.date(2026, 10, 10), is_workday=False)
    client = api_client(personas.admin)

    deleted = client.delete("/api/v1/workday-overrides/2026-10-10/")
    again = client.delete("/api/v1/workday-overrides/2026-10-10/")
    bad = client.delete("/api/v1/workday-overrides/2026-13-10/")

    assert (deleted.status_code, again.status_code, bad.status_code) == (204, 404, 400)
    assert again.json() == {"detail": "未找到该记录,或您无权查看"}
    assert bad.json() == {"day": ["日期格式不正确,应为 YYYY-MM-DD"]}
    assert CalendarOverride.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"is_workday": True}, {"day": ["请提供日期(YYYY-MM-DD)"]}),
        ({"day": "2026-10-10"}, {"is_workday": ["请说明是否上班"]}),
        ({"day": "2101-01-01", "is_workday": True}, {"day": [RANGE_ERROR]}),
        (
            {"day": "2026-10-10", "is_workday": "maybe"},
            {"is_workday": ["is_workday 须为 true 或 false"]},
        ),
        (
            {"day": "2026-10-10", "is_workday": True, "note": "长" * 101},
            {"note": ["说明最多 100 个字"]},
        ),
    ],
    ids=str,
)
def test_override_bad_input_is_refused_in_chinese(
    personas: Personas, body: dict[str, object], errors: dict[str, list[str]]
) -> None:
    response = api_client(personas.admin).post("/api/v1/workday-overrides/", body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert CalendarOverride.objects.count() == 0


@pytest.mark.parametrize("persona", ["alice", "carol", "erin"])
def test_non_admins_may_not_write_overrides(personas: Personas, persona: str) -> None:
    client = api_client(getattr(personas, persona))
    body = {"day": "2026-10-10", "is_workday": False}

    posted = client.post("/api/v1/workday-overrides/", body, format="json")
    deleted = client.delete("/api/v1/workday-overrides/2026-10-10/")

    assert (posted.status_code, deleted.status_code) == (403, 403)
    assert CalendarOverride.objects.count() == 0
