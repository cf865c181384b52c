"""`crm demo --scale`: exact counts, determinism, the app's validation, and the app afterwards.

XS (300 customers) is the tests' scale; the same code draws S, M and L.
"""

from __future__ import annotations

import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models

from crm.accounts.models import Team, User
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.core import testing
from crm.core.actor import Actor
from crm.customers import services
from crm.customers.choices import Kind
from crm.customers.models import Customer, NumberSequence
from crm.customers.scale import plan, tables, verify
from crm.pipeline.models import Contract, Opportunity, Order
from crm.records.models import Record, Task

XS = plan.SCALES["XS"]
# Most tests load inside their own rolled-back transaction (no PRAGMA switch, no workers);
# the transactional ones load as the command does on a real database.
pytestmark = pytest.mark.django_db
transactional = pytest.mark.django_db(transaction=True)


def run_scale(seed: int = 3, jobs: int = 0, **options: Any) -> str:
    out = StringIO()
    options.setdefault("no_search_index", True)
    call_command("demo", scale="XS", seed=seed, jobs=jobs, stdout=out, **options)
    return out.getvalue()


def fresh_database() -> None:
    call_command("flush", interactive=False, verbosity=0)
    testing.ensure_reference_data()


def _mapped(model: type[models.Model]) -> dict[str, dict[Any, Any]]:
    """Foreign keys to rows that a second run creates again under other ids, by a stable key."""
    from crm.customers.models import Source, Tag
    from crm.pipeline.models import Pipeline, Stage

    users = dict(User.objects.values_list("pk", "username"))
    stable: dict[Any, dict[Any, Any]] = {User: users}
    for named in (Tag, Source):
        stable[named] = dict(named.objects.values_list("pk", "name"))
    stable[Stage] = {
        s.pk: f"{s.pipeline_id and s.pipeline.name}:{s.code}" for s in Stage.objects.all()
    }
    stable[Pipeline] = dict(Pipeline.objects.values_list("pk", "name"))
    return {
        f.attname: stable[f.related_model]
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model in stable
    }


def digest() -> str:
    """A hash of every generated row (ids the database hands out itself left out)."""
    sha = hashlib.sha256()
    for name, model in tables.MODELS.items():
        mapped = _mapped(model)
        fields = [
            f.attname for f in model._meta.concrete_fields
            if not (f.primary_key and name not in tables.EXPLICIT_IDS)
        ]  # fmt: skip
        found = model._default_manager.all()
        if model is AuditEvent:  # the generated rows, not the first administrator's creation
            found = found.filter(action="customer.create")
        rows = [
            tuple(
                mapped[f].get(v, v) if f in mapped else v for f, v in zip(fields, row, strict=True)
            )
            for row in found.values_list(*fields)
        ]
        sha.update(repr(sorted(rows, key=repr)).encode())
    return sha.hexdigest()


def test_exact_counts_per_table_and_every_reference_points_at_a_row() -> None:
    run_scale(quiet=True)

    assert Customer.objects.count() == XS
    assert Contact.objects.count() == 5 * XS
    assert Record.objects.count() == 10 * XS
    assert Task.objects.count() == 3 * XS
    assert Opportunity.objects.count() == 90
    assert Contract.objects.count() == 60
    assert Order.objects.count() == 150
    assert AuditEvent.objects.filter(action="customer.create").count() == XS
    assert User.objects.count() == 200  # 199 generated and the administrator
    assert Team.objects.count() == 20
    assert Customer.objects.filter(contacts__is_primary=True).count() == XS
    for model in tables.MODELS.values():  # every reference points at a row
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey):
                parents = f.related_model._default_manager.values("pk")
                dangling = model._default_manager.exclude(**{f"{f.attname}__isnull": True})
                assert not dangling.exclude(**{f"{f.attname}__in": parents}).exists(), f


@transactional
def test_same_seed_same_rows_whatever_the_number_of_workers(monkeypatch: Any) -> None:
    monkeypatch.setattr(plan, "CHUNK", 100)  # three chunks: two forked workers draw them
    fresh_database()  # ids start past the sequences: every run from reset ones
    run_scale(seed=5, jobs=0, quiet=True)
    first = digest()
    fresh_database()
    run_scale(seed=5, jobs=2, quiet=True)
    assert digest() == first

    fresh_database()
    run_scale(seed=6, quiet=True)
    assert digest() != first


def test_generated_rows_pass_the_apps_validation_and_pages_open() -> None:
    run_scale(quiet=True)

    result = verify.run(seed=3, sample=40)

    assert result.errors == []
    assert result.checked > 1000
    assert result.pages == {"客户列表": 200, "客户详情": 200}


def test_verify_option_reports_in_chinese(monkeypatch: Any) -> None:
    monkeypatch.setattr(verify, "SAMPLE", 40)

    out = run_scale(verify=True)

    assert "XS 规模数据已生成" in out
    assert "抽样校验" in out
    assert "错误 0 处" in out


def test_a_customer_created_afterwards_gets_the_next_number_and_id() -> None:
    run_scale(quiet=True)
    last = Customer.objects.order_by("-pk")[0]
    last_contact = Contact.objects.order_by("-pk")[0]
    owner = User.objects.get(pk=last.owner_id)
    key, value = NumberSequence.objects.values_list("key", "value").get()

    customer = services.create_customer(
        Actor(owner, "web"), name="杭州扩容测试科技有限公司",
        contacts=[{"name": "张三", "mobile": "13800138000"}],
    )  # fmt: skip

    assert customer.pk == last.pk + 1
    assert customer.number == key.replace("{SEQ}", f"{value + 1:03d}")
    assert Contact.objects.get(customer=customer).pk == last_contact.pk + 1


def test_search_by_pinyin_initials_finds_a_generated_customer() -> None:
    run_scale(quiet=True, no_search_index=False)
    customer = Customer.objects.filter(kind=Kind.ENTERPRISE).order_by("pk")[0]

    found = Customer.objects.search(customer.name_initials)

    assert customer in found


@transactional
def test_refuses_a_database_with_customers_unless_forced_then_appends() -> None:
    run_scale(quiet=True)

    with pytest.raises(CommandError, match=r"已有 300 个客户.*--force"):
        run_scale(quiet=True)
    run_scale(seed=4, quiet=True, force=True)

    assert Customer.objects.count() == 2 * XS
    assert Customer.objects.values("number").distinct().count() == 2 * XS
    if connection.vendor == "sqlite":  # back on the app's PRAGMAs after the load
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL


def test_loaded_ids_start_past_every_id_handed_out_before() -> None:
    # rows deleted before a load keep their ids (audit rows still name them): the load starts
    # past the id sequence, not past the highest id left in the table
    from crm.customers.models import Tag
    from crm.customers.scale.load import _next_id

    made = [Tag.objects.create(name=f"扩容{i}") for i in range(3)]
    Tag.objects.filter(pk__in=[t.pk for t in made[1:]]).delete()

    assert _next_id(Tag) == made[-1].pk + 1
