"""The opportunity board in the browser: cards dragged between stage columns (SortableJS), a gate
refusal that puts the card back, the 输单 reason asked before moving, and the customer page's
商机 card with its dialog."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from crm.core import testing
from crm.customers.models import Industry
from crm.customers.services import create_customer
from crm.pipeline import services
from crm.pipeline.models import Opportunity
from tests.browser import goto, login_as, no_horizontal_overflow, shot

pytestmark = pytest.mark.django_db(transaction=True)


def make_opportunity(user: Any, customer_name: str, name: str, **customer: Any) -> Opportunity:
    found = create_customer(testing.actor(user), name=customer_name, **customer)
    return services.create_opportunity(
        testing.actor(user),
        customer=found,
        name=name,
        amount=Decimal("480000.00"),
        expected_close_on=datetime.date(2030, 6, 30),
    )


def column(page: Page, code: str) -> Locator:
    return page.locator(f'[data-column="{code}"] .crm-board-list')


def drag(page: Page, card: Locator, target: Locator) -> None:
    """Drag with the mouse, in small steps: SortableJS runs on pointer events (forceFallback)."""
    card.scroll_into_view_if_needed()
    start = card.bounding_box()
    end = target.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=4)
    x, y = end["x"] + end["width"] / 2, end["y"] + min(end["height"] / 2, 40)
    page.mouse.move(x, y, steps=15)
    page.mouse.move(x + 2, y + 2, steps=3)
    page.mouse.up()


def test_a_card_dragged_to_the_next_stage_stays_there_after_reload(
    page: Page, live_server: Any
) -> None:
    alice = testing.make_personas().alice
    opp = make_opportunity(alice, "杭州云杉科技有限公司", "云杉数据中台项目")
    make_opportunity(alice, "宁波海曙贸易有限公司", "海曙仓储系统")
    login_as(page, live_server, alice)
    goto(page, live_server, "/pipeline/")
    card = page.locator(f"#opportunity-{opp.pk}")
    expect(column(page, "needs_analysis").locator(f"#opportunity-{opp.pk}")).to_be_visible()
    expect(page.locator('[data-column="needs_analysis"] [data-count]')).to_have_text("2")
    shot(page, "board")

    drag(page, card, column(page, "solution"))

    expect(page.locator("[data-board-message]")).to_have_text(
        "已将“云杉数据中台项目”移到「方案制定」"
    )
    expect(page.locator('[data-column="solution"] [data-count]')).to_have_text("1")
    expect(page.locator('[data-column="solution"] [data-sum]')).to_have_text("¥480,000.00")
    expect(page.locator('[data-column="needs_analysis"] [data-count]')).to_have_text("1")
    shot(page, "moved")
    page.reload()
    expect(column(page, "solution").locator(f"#opportunity-{opp.pk}")).to_be_visible()
    assert Opportunity.objects.get(pk=opp.pk).stage.code == "solution"
    no_horizontal_overflow(page)


def test_a_medical_card_dropped_on_won_is_refused_and_goes_back(
    page: Page, live_server: Any
) -> None:
    alice = testing.make_personas().alice
    opp = make_opportunity(
        alice, "杭州市第一人民医院", "HIS 系统升级", industry=Industry.objects.get(pk="84")
    )
    login_as(page, live_server, alice)
    goto(page, live_server, f"/pipeline/?pipeline={opp.pipeline_id}")
    expect(page.locator("#board-pipelines .nav-link.active")).to_have_text("医疗行业销售流程")
    expect(page.locator('[data-column="won"] [data-gates]')).to_have_text(
        "须通过关卡:客户资质审核、合规性检查"
    )

    drag(page, page.locator(f"#opportunity-{opp.pk}"), column(page, "won"))

    expect(page.locator("[data-board-message]")).to_have_text(
        "进入「赢单」前须先通过:客户资质审核、合规性检查"
    )
    expect(column(page, "needs_analysis").locator(f"#opportunity-{opp.pk}")).to_be_visible()
    expect(column(page, "won").locator("[data-opportunity]")).to_have_count(0)
    shot(page, "refused")
    assert Opportunity.objects.get(pk=opp.pk).status == "open"


def test_a_drop_on_lost_asks_the_reason_first(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    opp = make_opportunity(alice, "杭州云杉科技有限公司", "云杉数据中台项目")
    login_as(page, live_server, alice)
    goto(page, live_server, "/pipeline/")
    card = page.locator(f"#opportunity-{opp.pk}")

    drag(page, card, column(page, "lost"))
    dialog = page.locator("#crm-dialog")
    expect(dialog.locator("#crm-dialog-title")).to_have_text("变更商机阶段")
    expect(dialog.locator("#id_stage option:checked")).to_have_text("输单(输单)")
    expect(dialog.locator("#id_lost_reason")).to_be_focused()
    shot(page, "asked")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    expect(column(page, "needs_analysis").locator(f"#opportunity-{opp.pk}")).to_be_visible()

    drag(page, page.locator(f"#opportunity-{opp.pk}"), column(page, "lost"))
    dialog.locator("#dialog-submit").click()
    expect(dialog.locator(".invalid-feedback")).to_have_text("转为输单时必须填写输单原因")
    dialog.locator("#id_lost_reason").fill("预算被砍,选择了低价竞品")
    dialog.locator("#dialog-submit").click()

    expect(dialog).to_be_hidden()
    expect(page.locator("[data-board-message]")).to_have_text("商机“云杉数据中台项目”已转为输单")
    expect(column(page, "lost").locator(f"#opportunity-{opp.pk}")).to_contain_text(
        "输单原因:预算被砍,选择了低价竞品"
    )
    shot(page, "lost")
    assert Opportunity.objects.get(pk=opp.pk).lost_reason == "预算被砍,选择了低价竞品"


def test_the_board_scrolls_sideways_inside_itself_at_phone_width(
    new_page: Callable[..., Page], live_server: Any
) -> None:
    alice = testing.make_personas().alice
    make_opportunity(alice, "杭州云杉科技有限公司", "云杉数据中台项目")
    page = new_page(width=375, height=740, is_mobile=True, has_touch=True)
    login_as(page, live_server, alice)

    goto(page, live_server, "/pipeline/")

    expect(page.locator('[data-column="needs_analysis"] [data-count]')).to_have_text("1")
    shot(page, "phone")
    no_horizontal_overflow(page)


def test_a_new_opportunity_from_the_customer_page(page: Page, live_server: Any) -> None:
    alice = testing.make_personas().alice
    customer = create_customer(testing.actor(alice), name="杭州云杉科技有限公司")
    login_as(page, live_server, alice)
    goto(page, live_server, f"/customers/{customer.pk}/")
    expect(page.locator("#opportunities")).to_have_text(re.compile("暂无商机"))

    page.locator("#new-opportunity").click()
    dialog = page.locator("#crm-dialog")
    expect(dialog.locator("#crm-dialog-title")).to_have_text("新建商机")
    dialog.locator("#id_name").fill("云杉数据中台项目")
    dialog.locator("#id_amount").fill("1,200,000")
    dialog.locator("#id_expected_close_on").fill("2030-06-30")
    dialog.locator("#id_needs_confirmed_on").fill("2030-03-01")
    shot(page, "dialog")
    dialog.locator("#dialog-submit").click()

    expect(dialog).to_be_hidden()
    row = page.locator("#opportunities [data-opportunity]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("云杉数据中台项目")
    expect(row).to_contain_text("¥1,200,000.00")
    expect(row.locator("[data-solution-due]")).to_contain_text("方案提交时限 2030-03-")
    expect(page.locator("#timeline")).to_contain_text("新建商机")
    shot(page, "card")
