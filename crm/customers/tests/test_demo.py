"""`crm demo`: deterministic demo data written through the services."""

from __future__ import annotations

import random
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from crm.accounts.choices import Role
from crm.accounts.models import Team, User
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.core.validators import (
    validate_cn_mobile,
    validate_cn_phone,
    validate_email_address,
    validate_uscc,
)
from crm.customers import demo_data, reference
from crm.customers.choices import Kind, Stage
from crm.customers.models import Customer
from crm.customers.rules import normalise_name

pytestmark = pytest.mark.django_db

SALES_TEAM_NAMES = {"华东销售一部", "华南销售部", "华北销售部"}


def run_demo(**options: Any) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **{"customers": 30, "seed": 7, "quiet": True, **options})
    return out.getvalue()


def names(count: int, seed: int) -> list[str]:
    roster = demo_data.build_roster(count)
    return [spec.name for spec in demo_data.generate_customers(count, seed, roster)]


# --- the command on the database ------------------------------------------------------------


def test_creates_exactly_the_requested_customers_with_contacts_and_numbers() -> None:
    run_demo()
    customers = Customer.objects.annotate(contact_count=Count("contacts"))
    assert customers.count() == 30
    assert not customers.filter(contact_count=0).exists()
    assert not customers.filter(number="").exists()
    assert Contact.objects.filter(is_primary=True).count() == 30


def test_every_role_has_a_user_and_sales_teams_have_managers() -> None:
    output = run_demo()
    assert "已创建管理员 admin" in output  # the first admin's password is shown once
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Team.objects.values_list("name", flat=True)) == {*SALES_TEAM_NAMES, "客户服务部"}
    for team in Team.objects.filter(name__in=SALES_TEAM_NAMES):
        assert team.manager is not None
        assert team.manager.role == Role.SALES_MANAGER
        assert team.manager.team_id == team.pk


def test_enterprise_usccs_are_valid_and_individuals_have_none() -> None:
    run_demo()
    usccs = list(Customer.objects.exclude(uscc="").values_list("uscc", flat=True))
    assert usccs
    assert all(validate_uscc(code) == code for code in usccs)
    assert not Customer.objects.filter(kind=Kind.INDIVIDUAL).exclude(uscc="").exists()


def test_customers_reach_potential_intent_and_cooperating() -> None:
    run_demo()
    stages = set(Customer.objects.values_list("stage", flat=True))
    assert {Stage.POTENTIAL, Stage.INTENT, Stage.COOPERATING} <= stages
    lost = Customer.objects.filter(stage=Stage.LOST)
    assert all(c.churn_reason in demo_data.CHURN_REASONS for c in lost)


def test_writes_go_through_the_audited_services() -> None:
    run_demo()
    actions = dict(AuditEvent.objects.values_list("action").annotate(n=Count("id")))
    assert actions["customer.create"] == 30
    assert actions["contact.create"] == Contact.objects.count()
    assert actions["user.create_first_admin"] == 1
    assert all(event.source == "cli" for event in AuditEvent.objects.all())


def test_a_second_run_reuses_accounts_and_avoids_existing_names() -> None:
    run_demo()
    users, teams = User.objects.count(), Team.objects.count()
    output = run_demo(quiet=False)
    assert (User.objects.count(), Team.objects.count()) == (users, teams)
    assert Customer.objects.count() == 60
    enterprise = Customer.objects.filter(kind=Kind.ENTERPRISE).values_list("name", flat=True)
    assert len({normalise_name(n) for n in enterprise}) == len(enterprise)
    person = Customer.objects.filter(kind=Kind.INDIVIDUAL).values_list("name", flat=True)
    assert len(set(person)) == len(person)
    assert "新建 30 个" in output and "Demo-pass-2026" in output


@pytest.mark.parametrize("count", [0, -5, 1_000_001])
def test_rejects_a_customer_count_out_of_range(count: int) -> None:
    with pytest.raises(CommandError, match="客户数量必须在 1 到 1000000 之间"):
        run_demo(customers=count)
    assert not Customer.objects.exists()


# --- the pure generator ---------------------------------------------------------------------


def test_same_seed_gives_the_same_customers_and_another_seed_does_not() -> None:
    roster = demo_data.build_roster(30)
    first = list(demo_data.generate_customers(30, 7, roster))
    assert first == list(demo_data.generate_customers(30, 7, roster))
    assert names(30, 7) == [spec.name for spec in first]
    assert names(30, 8) != names(30, 7)


def test_roster_depends_only_on_the_count_and_grows_by_adding_sales() -> None:
    small, large = demo_data.build_roster(30), demo_data.build_roster(1000)
    assert small == demo_data.build_roster(30)
    assert set(small.users) < set(large.users)
    assert {u.role for u in large.users if u not in small.users} == {Role.SALES}
    assert len({u.username for u in large.users}) == len(large.users)


def test_generated_contacts_pass_the_validators() -> None:
    roster = demo_data.build_roster(200)
    for spec in demo_data.generate_customers(200, 3, roster):
        assert spec.contacts and spec.contacts[0]["is_primary"]
        for contact in spec.contacts:
            assert validate_cn_mobile(contact["mobile"]) == contact["mobile"]
            assert validate_email_address(contact["email"]) == contact["email"]
            if contact.get("phone"):
                assert validate_cn_phone(contact["phone"]) == contact["phone"]


def test_renaming_changes_the_name_and_keeps_the_uscc_valid() -> None:
    roster = demo_data.build_roster(50)
    specs = list(demo_data.generate_customers(50, 11, roster))
    for spec in specs:
        other = demo_data.renamed(spec, random.Random(f"11:{spec.name}"))
        assert other.name != spec.name
        assert bool(other.uscc) == bool(spec.uscc)
        if other.uscc:
            assert validate_uscc(other.uscc) == other.uscc


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 30, 101])
def test_stage_quota_always_covers_the_main_stages(count: int) -> None:
    targets = demo_data.stage_targets(count, random.Random(count))
    assert len(targets) == count
    assert set(demo_data.MAIN_STAGES[:count]) <= set(targets)


def test_reference_codes_exist_in_the_shipped_tables() -> None:
    industries = {row["code"] for row in reference.read_rows("industries.csv")}
    assert set(demo_data.INDUSTRIES) <= industries
    assert set(demo_data.CITIES) <= set(demo_data.regions())
    assert {name for name, _ in demo_data.SOURCES} == set(reference.DEFAULT_SOURCES)
