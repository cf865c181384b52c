"""The bigram search table: its rows, its upkeep by the services, its bulk builder, and a
search that answers exactly what the scan it replaces answered."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q

from crm.accounts import policy
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from crm.core.pinyin import matches_pinyin_query
from crm.core.testing import actor, api_client
from crm.customers import search_index, services
from crm.customers.models import Customer, SearchGram
from crm.customers.querysets import contact_phone_match

pytestmark = pytest.mark.django_db

TAIL_5678 = chr(search_index.TAIL_BASE + 5678)


def scan(text: str, user: Any = None) -> set[int]:
    """The search as it was before the index: every predicate over every row."""
    q = "".join(text.split())
    match = Q(name__icontains=q) | Q(short_name__icontains=q) | Q(number__icontains=q)
    contact_match = Q(name__icontains=q)
    if matches_pinyin_query(q):
        low = q.lower()
        match |= Q(name_pinyin__contains=low) | Q(name_initials__contains=low)
        contact_match |= Q(name_pinyin__startswith=low) | Q(name_initials__startswith=low)
    phone = contact_phone_match(q, user)
    if phone is not None:
        contact_match |= phone
    by_contact = Contact.objects.filter(contact_match).values("customer_id")
    qs = Customer.objects.all() if user is None else Customer.objects.visible_to(user)
    return set(qs.filter(match | Q(pk__in=by_contact)).values_list("pk", flat=True))


def searched(text: str, user: Any = None) -> set[int]:
    qs = Customer.objects.all() if user is None else Customer.objects.visible_to(user)
    return set(qs.search(text, user=user).values_list("pk", flat=True))


def rows() -> set[tuple[str, int]]:
    return set(SearchGram.objects.values_list("gram", "customer_id"))


def rows_of(customer: Customer) -> set[str]:
    return set(SearchGram.objects.filter(customer=customer).values_list("gram", flat=True))


@pytest.fixture
def archive(personas: Any, customer_of: Any) -> dict[str, Customer]:
    """alice's and dave's customers with contacts; erin (service) sees phones masked."""
    return {
        "tengfei": customer_of(
            personas.alice,
            name="深圳市腾飞科技有限公司",
            short_name="腾飞",
            contacts=[
                {"name": "曾国藩", "mobile": "13812345678"},
                {"name": "李四", "phone": "0571-88889999"},
            ],
        ),
        "yunfan": customer_of(
            personas.alice,
            name="广州云帆物流有限公司",
            contacts=[{"name": "张三", "mobile": "13900005678"}],
        ),
        "tengyun": customer_of(
            personas.dave,
            name="杭州腾云飞科技有限公司",
            contacts=[{"name": "王五", "mobile": "13712349999"}],
        ),
        "abc": customer_of(personas.dave, name="ABC Trading 上海有限公司", short_name="ABC"),
        "person": customer_of(personas.alice, name="单田芳", kind="individual"),
    }


# --- rows -------------------------------------------------------------------------------


def test_grams_for_are_the_distinct_folded_pieces_and_the_phone_tails() -> None:
    grams = search_index.grams_for(
        ["腾飞 AB", "腾飞", "", None, "tf"], ["13812345678", "", None, "12"]
    )

    assert grams == {"腾飞", "ab", "tf", TAIL_5678}


def test_a_customers_rows_cover_its_texts_and_its_contacts(archive: dict[str, Customer]) -> None:
    customer = archive["yunfan"]

    assert rows_of(customer) == search_index.grams_for(
        [
            "广州云帆物流有限公司", "", customer.number, customer.name_pinyin,
            customer.name_initials, "张三", "zhangsan", "zs",
        ],
        ["13900005678", ""],
    )  # fmt: skip
    assert {"广州", "云帆", "zs", "gz", TAIL_5678} <= rows_of(customer)


def test_query_pieces_rarest_first_and_capped() -> None:
    assert search_index.query_grams("有限公司腾飞") == ["司腾", "腾飞", "有限", "限公", "公司"]
    assert search_index.query_grams("腾") is None
    assert len(search_index.query_grams("深圳市腾飞科技有限公司") or []) == 6


# --- the search answers what the scan answered ----------------------------------------------

QUERIES = [
    "腾飞", "深圳", "腾云", "云飞", "飞科",  # two characters
    "深圳市", "腾飞科", "有限公",  # three
    "深圳市腾", "腾飞科技", "物流有限",  # four
    "有限公司", "深圳市腾飞科技有限公司", "深圳 腾飞",
    "tengfei", "TengFei", "tf", "szstf", "gzyf", "yxgs", "shen", "zs", "zhangsan", "zgf",
    "zengguofan", "shantianfang", "stf",  # pinyin full and initials
    "abc", "ABC", "trading", "c t", "上海",
    "曾国", "曾国藩", "李四", "张三", "王五",  # contact names
    "5678", "9999", "8999", "88889999", "13812345678", "12345678", "057188889999",  # phones
    "腾", "飞", "a", "z", "5",  # one character
    "不存在", "xyzq", "0000",
]  # fmt: skip


@pytest.mark.parametrize("q", QUERIES)
def test_search_answers_what_the_scan_answered(archive: dict[str, Customer], q: str) -> None:
    assert searched(q) == scan(q)


def test_search_by_number(archive: dict[str, Customer]) -> None:
    number = archive["tengyun"].number

    assert searched(number) == scan(number) == {archive["tengyun"].pk}
    assert searched(number[-5:]) == scan(number[-5:])


@pytest.mark.parametrize("persona", ["alice", "carol", "dave", "erin", "admin"])
@pytest.mark.parametrize(
    "q", ["5678", "13812345678", "12345678", "88889999", "腾飞", "tf", "曾国", "飞"]
)
def test_search_by_persona_answers_what_the_scan_answered(
    personas: Any, archive: dict[str, Customer], persona: str, q: str
) -> None:
    user = getattr(personas, persona)

    assert searched(q, user) == scan(q, user)


def test_a_masked_viewer_finds_by_the_tail_but_not_by_the_full_number(
    personas: Any, archive: dict[str, Customer]
) -> None:
    assert not policy.can_see_personal(personas.erin, archive["tengfei"])

    assert searched("5678", personas.erin) == {archive["tengfei"].pk, archive["yunfan"].pk}
    assert searched("13812345678", personas.erin) == set()
    assert searched("13812345678", personas.alice) == {archive["tengfei"].pk}


def test_the_list_search_is_one_query(
    personas: Any, archive: dict[str, Customer], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        found = list(
            Customer.objects.visible_to(personas.alice).search("腾飞", user=personas.alice)
        )

    assert found == [archive["tengfei"]]


@pytest.mark.parametrize("count", [2, 7])
def test_api_list_search_query_count_is_fixed(
    personas: Any, customer_of: Any, django_assert_num_queries: Any, count: int
) -> None:
    for i in range(count):
        customer_of(personas.alice, name=f"腾飞{i}号有限公司", contacts=[{"name": f"腾{i}"}])
    client = api_client(personas.alice)
    client.get("/api/v1/customers/", {"q": "腾飞"})

    with django_assert_num_queries(_api_list_queries(client)):
        response = client.get("/api/v1/customers/", {"q": "腾飞"})

    assert len(response.data["results"]) == count


def _api_list_queries(client: Any) -> int:
    """The API list's queries without a search: a search adds none."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/customers/")
    return len(queries)


def test_the_gram_lookup_uses_the_primary_key(archive: dict[str, Customer]) -> None:
    sql, params = Customer.objects.search("腾飞科技").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "sqlite_autoindex_customers_searchgram_1 (gram=?" in plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table is read whole
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "customers_searchgram_pkey" in plan


# --- upkeep by the services -------------------------------------------------------------------


def test_rename_replaces_the_rows(personas: Any, archive: dict[str, Customer]) -> None:
    customer = archive["tengfei"]

    services.update_customer(actor(personas.alice), customer, name="深圳市鹏程科技有限公司")

    assert "腾飞" in rows_of(customer)  # the short name still says 腾飞
    assert "鹏程" in rows_of(customer) and "pc" in rows_of(customer)
    assert "szstf" not in "".join(sorted(rows_of(customer)))
    assert searched("鹏程科技") == {customer.pk}
    assert searched("市腾飞") == scan("市腾飞") == set()


def test_an_edit_of_other_fields_keeps_the_rows(
    personas: Any, archive: dict[str, Customer]
) -> None:
    customer = archive["tengfei"]
    before = rows_of(customer)

    services.update_customer(actor(personas.alice), customer, notes="年底回访")

    assert rows_of(customer) == before


def test_contact_added_renamed_and_deleted(personas: Any, archive: dict[str, Customer]) -> None:
    customer, alice = archive["yunfan"], actor(personas.alice)

    contact = contact_services.create_contact(
        alice, customer=customer, name="欧阳修", mobile="13611112222"
    )
    assert {"欧阳", "oy", chr(search_index.TAIL_BASE + 2222)} <= rows_of(customer)
    assert searched("欧阳") == searched("2222") == {customer.pk}

    contact_services.update_contact(alice, contact, name="司马光")
    assert "欧阳" not in rows_of(customer) and "司马" in rows_of(customer)
    assert searched("欧阳") == set() and searched("司马光") == {customer.pk}

    contact_services.delete_contact(alice, contact)
    assert "司马" not in rows_of(customer)
    assert chr(search_index.TAIL_BASE + 2222) not in rows_of(customer)
    assert searched("张三") == {customer.pk}  # the other contact's rows stay


def test_a_contact_moved_to_another_customer_moves_its_rows(
    archive: dict[str, Customer],
) -> None:
    """No service moves a contact yet; `refresh` of both customers is what one must call."""
    source, target = archive["tengfei"], archive["abc"]
    Contact.objects.filter(customer=source, name="曾国藩").update(customer=target)

    search_index.refresh([source.pk, target.pk])

    assert searched("曾国藩") == {target.pk}
    assert searched("zgf") == scan("zgf") == {target.pk}
    assert rows() == _rebuilt()


def test_import_and_the_scale_loader_see_the_same_rows(archive: dict[str, Customer]) -> None:
    assert rows() == _rebuilt()


def test_rebuild_of_some_ids_writes_only_theirs(archive: dict[str, Customer]) -> None:
    expected = rows()
    some = [archive["tengfei"].pk, archive["abc"].pk]
    SearchGram.objects.filter(customer_id__in=some).delete()

    written = search_index.rebuild(some)

    assert written == len({r for r in expected if r[1] in some})
    assert rows() == expected


def test_rebuild_of_a_range(archive: dict[str, Customer]) -> None:
    expected = rows()
    first = min(c.pk for c in archive.values())
    SearchGram.objects.filter(customer_id__gte=first + 1).delete()

    search_index.rebuild(range(first + 1, first + 100))

    assert rows() == expected


def _rebuilt() -> set[tuple[str, int]]:
    upkept = rows()
    written = search_index.rebuild()
    found = rows()
    assert written == len(found)
    assert found == upkept
    return found
