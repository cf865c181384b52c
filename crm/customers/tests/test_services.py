"""Customer services: the rules every adapter relies on."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test.utils import override_settings  # noqa: F401
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.core.errors import Duplicate, NotFound, PreconditionFailed
from crm.core.testing import actor
from crm.customers import services
from crm.customers.models import (
    Collaborator,
    Customer,
    CustomFieldDefinition,
    DuplicateClaim,
    Industry,
    NumberSequence,
    StageTransition,
)

pytestmark = pytest.mark.django_db
USCC = "91110108551385082Q"


def today() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def test_created_customer_gets_the_default_daily_number(personas, customer_of):
    first = customer_of(personas.alice)
    second = customer_of(personas.bob)
    assert first.number == f"CRM-{today()}-001"
    assert second.number == f"CRM-{today()}-002"


def test_industry_pattern_uses_the_section_short_code(personas, customer_of):
    services.set_number_pattern(actor(personas.admin), pattern="{YYYY}-{IND}-{SEQ:3}")
    software = Industry.objects.get(code="65")
    year = timezone.localdate().year
    assert customer_of(personas.alice, industry=software).number == f"{year}-TEC-001"
    assert customer_of(personas.alice, industry=software).number == f"{year}-TEC-002"
    assert customer_of(personas.alice).number == f"{year}-GEN-001"


def test_number_allocation_skips_numbers_already_taken(personas, customer_of):
    NumberSequence.objects.create(key=f"CRM-{today()}-{{SEQ}}", value=0)
    taken = customer_of(personas.alice)
    NumberSequence.objects.filter(key=f"CRM-{today()}-{{SEQ}}").update(value=0)
    assert customer_of(personas.alice).number != taken.number


def test_only_admins_set_the_number_rule(personas):
    with pytest.raises(PermissionDenied):
        services.set_number_pattern(actor(personas.carol), pattern="{IND}{YYYY}{SEQ:3}")


def test_same_uscc_is_refused_with_a_masked_hint(personas, customer_of):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司", uscc=USCC)
    with pytest.raises(Duplicate) as exc:
        customer_of(personas.dave, name="完全不同的名字有限公司", uscc=USCC.lower())
    assert exc.value.message == ("统一社会信用代码与已有客户重复。已存在: 深圳市腾飞科… 负责人 张*")
    assert exc.value.details["existing_id"] is None
    assert exc.value.details["claim_token"]


@pytest.mark.parametrize(
    "variant",
    [
        "深圳市腾飞科技股份有限公司",
        " 深圳市 腾飞科技 有限责任公司 ",
        "深圳市腾飞科技（中国）有限公司",
        "深圳市腾飞科技",
    ],
)
def test_same_normalised_name_is_refused(personas, customer_of, variant):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    with pytest.raises(Duplicate) as exc:
        customer_of(personas.bob, name=variant)
    assert exc.value.details["match"] == "name"
    assert exc.value.details["existing_id"] is None  # a teammate who is not a collaborator


def test_branch_is_not_a_duplicate_of_its_head_office(personas, customer_of):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    branch = customer_of(personas.alice, name="深圳市腾飞科技有限公司北京分公司")
    assert branch.pk


def test_individuals_with_the_same_name_are_not_duplicates(personas, customer_of):
    customer_of(personas.alice, name="张伟", kind="individual")
    assert customer_of(personas.bob, name="张伟", kind="individual").pk


def test_duplicate_check_tells_a_visible_match_by_id(personas, customer_of):
    mine = customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    answer = services.check_duplicate(actor(personas.alice), name="深圳市腾飞科技")
    assert answer == {
        "exists": True,
        "hint": "已存在: 深圳市腾飞科… 负责人 张*",
        "match": "name",
        "existing_id": mine.pk,
        "claim_token": None,
    }


def test_duplicate_check_for_another_team_gives_only_the_hint_and_a_claim_token(
    personas, customer_of
):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    answer = services.check_duplicate(actor(personas.dave), name="深圳市腾飞科技股份有限公司")
    assert answer["exists"] is True
    assert answer["existing_id"] is None
    assert answer["hint"] == "已存在: 深圳市腾飞科… 负责人 张*"
    assert "张爱丽" not in str(answer)


def test_duplicate_check_without_a_match(personas):
    assert services.check_duplicate(actor(personas.erin), name="没有这家公司")["exists"] is False


def test_claim_goes_to_the_owners_manager_who_can_approve_it(personas, customer_of):
    existing = customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    token = services.check_duplicate(actor(personas.dave), name="深圳市腾飞科技")["claim_token"]
    claim = services.request_claim(actor(personas.dave), claim_token=token, note="我先联系的")
    assert list(services.claims_for(personas.carol)) == [claim]
    assert list(services.claims_for(personas.dave)) == [claim]
    assert list(services.claims_for(personas.bob)) == []
    with pytest.raises(PermissionDenied):
        services.resolve_claim(actor(personas.dave), claim, approve=True)
    services.resolve_claim(actor(personas.carol), claim, approve=True, resolution="共同跟进")
    assert Collaborator.objects.filter(customer=existing, user=personas.dave).exists()
    assert DuplicateClaim.objects.get().status == "approved"


def test_claim_with_a_forged_token_is_refused(personas):
    with pytest.raises(ValidationError) as exc:
        services.request_claim(actor(personas.dave), claim_token="1:forged")
    assert exc.value.message_dict == {
        "claim_token": ["申请凭证无效或已过期,请重新检查客户是否存在"]
    }


def test_invalid_uscc_is_refused_in_chinese(personas, customer_of):
    with pytest.raises(ValidationError) as exc:
        customer_of(personas.alice, uscc="91110108551385082A")
    assert exc.value.message_dict["uscc"] == ["统一社会信用代码校验位不正确"]
    assert Customer.objects.count() == 0


def test_individual_customer_has_no_uscc(personas, customer_of):
    with pytest.raises(ValidationError) as exc:
        customer_of(personas.alice, name="李四", kind="individual", uscc=USCC)
    assert exc.value.message_dict == {"uscc": ["个人客户不填写统一社会信用代码"]}


def test_a_contact_with_a_bad_mobile_rolls_back_the_whole_customer(personas, customer_of):
    with pytest.raises(ValidationError) as exc:
        customer_of(personas.alice, contacts=[{"name": "王五", "mobile": "12345"}])
    assert exc.value.message_dict == {"contacts[0]": ["手机号码格式不正确,应为11位数字,以1开头"]}
    assert Customer.objects.count() == 0
    assert AuditEvent.objects.filter(action="customer.create").count() == 0


def test_service_staff_cannot_create_customers(personas, customer_of):
    with pytest.raises(PermissionDenied):
        customer_of(personas.erin)


def test_sales_cannot_create_for_someone_else(personas, customer_of):
    with pytest.raises(PermissionDenied):
        customer_of(personas.alice, owner=personas.bob)


def test_manager_may_create_for_a_team_member(personas, customer_of):
    assert customer_of(personas.carol, owner=personas.alice).owner == personas.alice


def test_create_writes_one_audit_event_with_the_fields(personas, customer_of):
    customer = customer_of(personas.alice, name="杭州西湖茶业有限公司", tags=["重点客户"])
    event = AuditEvent.objects.get(action="customer.create")
    assert event.customer == customer
    assert event.actor == personas.alice
    assert event.source == "web"
    assert event.changes["name"] == {"before": None, "after": "杭州西湖茶业有限公司"}
    assert event.changes["tags"] == {"before": None, "after": ["重点客户"]}
    assert event.changes["number"]["after"] == customer.number


def test_update_records_before_and_after_and_bumps_the_version(personas, customer_of):
    customer = customer_of(personas.alice, main_products="茶叶")
    services.update_customer(
        actor(personas.alice, "api"),
        customer,
        expected_version=1,
        main_products="茶叶、茶具",
        reason="客户来电更正",
    )
    customer.refresh_from_db()
    assert customer.version == 2
    event = AuditEvent.objects.filter(action="customer.update").get()
    assert event.changes == {"main_products": {"before": "茶叶", "after": "茶叶、茶具"}}
    assert (event.reason, event.source) == ("客户来电更正", "api")


def test_stale_update_is_refused_and_changes_nothing(personas, customer_of):
    customer = customer_of(personas.alice)
    services.update_customer(actor(personas.alice), customer, expected_version=1, notes="甲")
    with pytest.raises(PreconditionFailed):
        services.update_customer(actor(personas.carol), customer, expected_version=1, notes="乙")
    customer.refresh_from_db()
    assert (customer.notes, customer.version) == ("甲", 2)


def test_update_without_changes_writes_no_audit_and_keeps_the_version(personas, customer_of):
    customer = customer_of(personas.alice, notes="不变")
    services.update_customer(actor(personas.alice), customer, notes="不变")
    customer.refresh_from_db()
    assert customer.version == 1
    assert AuditEvent.objects.filter(action="customer.update").count() == 0


def test_renaming_into_a_duplicate_is_refused(personas, customer_of):
    customer_of(personas.alice, name="深圳市腾飞科技有限公司")
    other = customer_of(personas.alice, name="广州云帆物流有限公司")
    with pytest.raises(Duplicate):
        services.update_customer(actor(personas.alice), other, name="深圳市腾飞科技股份有限公司")
    other.refresh_from_db()
    assert other.name == "广州云帆物流有限公司"


def test_manual_level_is_flagged_and_logged(personas, customer_of):
    customer = customer_of(personas.alice)
    services.update_customer(actor(personas.carol), customer, level="A", reason="年度框架协议")
    customer.refresh_from_db()
    assert (customer.level, customer.level_manual) == ("A", True)
    event = AuditEvent.objects.get(action="customer.update")
    assert event.changes["level"] == {"before": "C", "after": "A"}
    assert event.changes["level_manual"] == {"before": False, "after": True}


def test_stage_change_records_who_when_and_why(personas, customer_of):
    customer = customer_of(personas.alice)
    services.change_stage(actor(personas.alice), customer, stage="intent", reason="需求明确")
    transition = StageTransition.objects.filter(customer=customer).first()
    assert transition is not None
    assert (transition.from_stage, transition.to_stage) == ("potential", "intent")
    assert (transition.actor, transition.reason) == (personas.alice, "需求明确")
    event = AuditEvent.objects.get(action="customer.stage")
    assert event.changes["stage"] == {"before": "potential", "after": "intent"}


def test_lost_requires_a_churn_reason(personas, customer_of):
    customer = customer_of(personas.alice)
    with pytest.raises(ValidationError) as exc:
        services.change_stage(actor(personas.alice), customer, stage="lost", reason="不再合作")
    assert exc.value.message_dict == {"churn_reason": ["转为流失客户时必须填写流失原因"]}
    customer.refresh_from_db()
    assert customer.stage == "potential"


def test_lost_sets_the_status_flag_and_reviving_clears_it(personas, customer_of):
    customer = customer_of(personas.alice)
    services.change_stage(
        actor(personas.alice), customer, stage="lost", reason="停止合作", churn_reason="选择竞品"
    )
    customer.refresh_from_db()
    assert (customer.stage, customer.status, customer.churn_reason) == ("lost", "lost", "选择竞品")
    services.change_stage(actor(personas.alice), customer, stage="intent", reason="重新接洽")
    customer.refresh_from_db()
    assert (customer.stage, customer.status) == ("intent", "to_follow")


def test_stage_change_needs_a_reason_and_a_real_change(personas, customer_of):
    customer = customer_of(personas.alice)
    with pytest.raises(ValidationError):
        services.change_stage(actor(personas.alice), customer, stage="intent", reason=" ")
    with pytest.raises(ValidationError):
        services.change_stage(actor(personas.alice), customer, stage="potential", reason="x")


def test_only_the_teams_manager_transfers_the_owner(personas, customer_of):
    customer = customer_of(personas.alice)
    with pytest.raises(PermissionDenied):
        services.transfer_owner(actor(personas.alice), customer, owner=personas.bob, reason="x")
    services.transfer_owner(
        actor(personas.carol),
        customer,
        owner=personas.bob,
        reason="alice 调岗",
        keep_as_collaborator=True,
    )
    customer.refresh_from_db()
    assert customer.owner == personas.bob
    assert list(customer.collaborators.all()) == [personas.alice]
    event = AuditEvent.objects.get(action="customer.transfer")
    assert event.changes["owner"] == {"before": "张爱丽", "after": "白波"}
    assert event.reason == "alice 调岗"


def test_manager_of_another_team_cannot_see_to_transfer(personas, customer_of):
    customer = customer_of(personas.dave)
    with pytest.raises(NotFound):
        services.transfer_owner(actor(personas.carol), customer, owner=personas.alice, reason="x")


def test_service_staff_cannot_own_customers(personas, customer_of):
    customer = customer_of(personas.alice)
    with pytest.raises(ValidationError):
        services.transfer_owner(actor(personas.admin), customer, owner=personas.erin, reason="x")


def test_collaborator_can_then_see_and_edit(personas, customer_of):
    customer = customer_of(personas.alice)
    assert not Customer.objects.visible_to(personas.bob).filter(pk=customer.pk).exists()
    services.add_collaborator(actor(personas.alice), customer, user=personas.bob)
    services.update_customer(actor(personas.bob), customer, notes="协办补充")
    services.remove_collaborator(actor(personas.alice), customer, user=personas.bob)
    assert not Customer.objects.visible_to(personas.bob).filter(pk=customer.pk).exists()
    events = AuditEvent.objects.filter(customer=customer).order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == [
        "customer.create",
        "customer.collaborator_add",
        "customer.update",
        "customer.collaborator_remove",
    ]


def test_custom_fields_are_typed_and_validated(personas, customer_of):
    services.save_custom_field(
        actor(personas.admin), key="satisfaction", label="满意度评分", type="integer"
    )
    services.save_custom_field(
        actor(personas.admin),
        key="competitor",
        label="竞品动态",
        type="choice",
        choices=["A公司", "B公司"],
    )
    customer = customer_of(personas.alice, custom={"satisfaction": "85", "competitor": "A公司"})
    assert customer.custom == {"satisfaction": 85, "competitor": "A公司"}
    with pytest.raises(ValidationError) as exc:
        customer_of(personas.alice, custom={"satisfaction": "很好"})
    assert exc.value.message_dict == {"custom": ["满意度评分应为整数"]}
    with pytest.raises(ValidationError) as exc:
        customer_of(personas.alice, custom={"unknown": 1})
    assert exc.value.message_dict == {"custom": ["未知的自定义字段: unknown"]}


def test_custom_field_update_merges_and_validates(personas, customer_of):
    services.save_custom_field(actor(personas.admin), key="score", label="评分", type="decimal")
    services.save_custom_field(actor(personas.admin), key="visit", label="回访日", type="date")
    customer = customer_of(personas.alice, custom={"score": "4.5"})
    services.update_customer(actor(personas.alice), customer, custom={"visit": "2026-12-01"})
    customer.refresh_from_db()
    assert customer.custom == {"score": "4.5", "visit": "2026-12-01"}


def test_only_admins_define_custom_fields(personas):
    with pytest.raises(PermissionDenied):
        services.save_custom_field(actor(personas.carol), key="x", label="X", type="text")
    assert CustomFieldDefinition.objects.count() == 0


def test_annual_revenue_cannot_be_negative(personas, customer_of):
    with pytest.raises(ValidationError) as exc:
        customer_of(personas.alice, annual_revenue=Decimal("-1"))
    assert list(exc.value.message_dict) == ["annual_revenue"]


def test_search_finds_by_name_pinyin_initials_contact_and_phone_tail(personas, customer_of):
    customer = customer_of(
        personas.alice,
        name="深圳市腾飞科技有限公司",
        short_name="腾飞",
        contacts=[{"name": "曾国藩", "mobile": "13812345678"}],
    )
    customer_of(personas.alice, name="广州云帆物流有限公司")
    for query in [
        "腾飞",
        "深圳市腾",
        "tengfei",
        "szstf",
        "tf",
        "曾国",
        "zgf",
        "zengguofan",
        "5678",
        customer.number,
    ]:
        found = list(Customer.objects.search(query).values_list("pk", flat=True))
        assert found == [customer.pk], query


def test_seed_003_format_with_a_four_letter_industry_code(personas, customer_of):
    services.set_number_pattern(actor(personas.admin), pattern="{IND}{YYYY}{SEQ:3}")
    services.save_industry_code(
        actor(personas.admin), Industry.objects.get(code="I"), short_code="tech"
    )
    year = timezone.localdate().year
    customer = customer_of(personas.alice, industry=Industry.objects.get(code="65"))
    assert customer.number == f"{year}".join(["TECH", "001"])


def test_industry_short_code_must_be_letters(personas):
    with pytest.raises(ValidationError) as exc:
        services.save_industry_code(
            actor(personas.admin), Industry.objects.get(code="I"), short_code="T1"
        )
    assert exc.value.message_dict == {
        "short_code": ["编号简码应为 2-6 个大写英文字母,例如 TEC 或 TECH"]
    }
