"""Stored XSS: script-like text typed into every free-text field shows as text, never runs.

The payloads go in through the services (as the pages and the API would store them) and a few
through the pages themselves; then every page that shows them is opened as alice (owner), carol
(team manager) and admin. On each page: `window.__xss` is still undefined, no element built from
the data exists (an <img src=x>, an inline <script>, an on* handler, a javascript: link), and the
payload is on the page as visible text or as a field's value. The CSP would block inline
handlers too; these checks do not rely on it, and the browser_errors guard fails the test on any
CSP report (none is allowed here).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect

from crm.accounts import services as accounts
from crm.core import testing
from crm.customers import selectors
from crm.customers import services as customers
from crm.customers.models import Tag
from crm.customers.services.duplicates import duplicate_hint
from tests.browser import goto, login_as, shot

pytestmark = pytest.mark.django_db(transaction=True)

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg onload=window.__xss=1>'
JS = "javascript:window.__xss=1"
# the same within 30 characters (tag and source names)
IMG30 = "<img src=x onerror=__xss=1>"
SCRIPT30 = "<script>__xss=1</script>"
ALL = SVG + IMG + SCRIPT  # 95 characters: for fields of 100 and more
NAME = f"云杉{IMG}"

# Elements only a payload could have made: the pages' own scripts all have a src, and nothing
# of the app's uses inline handlers, <svg> handlers or javascript: links.
INJECTED = (
    "img[src='x'], svg[onload], [onerror], [onload], script:not([src]), "
    "a[href^='javascript:' i], iframe, object, embed"
)


def assert_inert(page: Page, where: str) -> None:
    """No payload ran and none became markup on the page as it is now."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")
    assert page.evaluate("typeof window.__xss") == "undefined", f"a payload ran on {where}"
    injected = page.locator(INJECTED)
    if injected.count():
        html = injected.evaluate_all("(els) => els.map((el) => el.outerHTML)")
        raise AssertionError(f"markup made from stored data on {where}: {html}")


def shows(scope: Locator, *texts: str) -> None:
    for text in texts:
        expect(scope).to_contain_text(text)


def seed() -> SimpleNamespace:
    """Payloads in every free-text field, written through the services."""
    people = testing.make_personas()
    admin, alice, carol = (testing.actor(u) for u in (people.admin, people.alice, people.carol))

    team = accounts.update_team(admin, people.team_a, name=f"华东一部{SVG}")
    bob = accounts.update_user(admin, people.bob, full_name=IMG)
    source = customers.save_source(admin, name=SCRIPT30, position=99)
    text_field = customers.save_custom_field(
        admin, key="xss_text", label=IMG, type="text", choices=[], position=1
    )
    choice_field = customers.save_custom_field(
        admin, key="xss_choice", label="风险等级", type="choice", choices=[IMG, SCRIPT, SVG, JS]
    )
    customer = customers.create_customer(
        alice,
        name=NAME,
        short_name=SVG,
        need_keywords=ALL,
        main_products=ALL,
        cooperation_products="数据中台",
        service_preference=ALL,
        focus=ALL,
        notes=f"{ALL}\n{JS}",
        source=source,
        custom={"xss_text": ALL, "xss_choice": SCRIPT},
        tags=[IMG30, SCRIPT30, SVG, JS],
        addresses=[{"kind": "hq", "label": SVG, "detail": ALL}],
        contacts=[
            {
                "name": SCRIPT,
                "title": IMG,
                "department": SVG,
                "mobile": "13857101234",
                "phone": "0571-88886666",  # validated as a number: no payload fits
                "wechat": JS,
                "concerns": ALL,
                "notes": ALL,
            }
        ],
    )
    others = [
        customers.create_customer(alice, name=f"宁波{SCRIPT}贸易有限公司", tags=[IMG30]),
        customers.create_customer(alice, name=f"{JS}咨询有限公司", tags=[IMG30]),
    ]
    customers.change_stage(alice, customer, stage="intent", reason=ALL)
    customers.change_stage(alice, customer, stage="lost", reason=IMG, churn_reason=ALL)
    customers.transfer_owner(carol, customer, owner=bob, reason=ALL, keep_as_collaborator=True)
    customers.transfer_owner(carol, customer, owner=people.alice, reason=SCRIPT)
    customers.add_collaborator(alice, customer, user=bob, reason=SVG)
    customers.add_address(alice, customer, kind="branch", label=IMG, detail=ALL, reason=SVG)
    customer = customers.update_customer(
        testing.actor(bob), customer, cooperation_products=ALL, reason=IMG
    )
    return SimpleNamespace(
        people=people,
        bob=bob,
        team=team,
        source=source,
        text_field=text_field,
        choice_field=choice_field,
        customer=customer,
        others=others,
        contact=customer.contacts.get(),
    )


def check_customer_page(page: Page, data: SimpleNamespace, who: str) -> None:
    """Header, people, contacts, addresses, custom fields, notes, every timeline page."""
    expect(page.locator("#customer-name")).to_have_text(NAME)
    assert NAME in page.title()
    header = page.locator("#customer-header")
    shows(header, SVG, IMG30, SCRIPT30, JS)
    shows(page.locator("#customer-people"), IMG, f"华东一部{SVG}")
    contact = page.locator(f"#contact-{data.contact.pk}")
    shows(contact, SCRIPT, IMG, SVG, JS, ALL)
    main = page.locator("main")
    shows(main, ALL, SCRIPT30, f"总部地址 {SVG}:", f"分支机构地址 {IMG}:")  # source, addresses
    shows(page.locator("#custom-fields"), IMG, ALL, "风险等级", SCRIPT)
    expect(page.locator("#customer-notes")).to_have_text(f"{ALL}\n{JS}")
    timeline = page.locator("#timeline")
    shows(timeline, IMG)  # bob's name as the actor, reasons
    assert_inert(page, f"customer page ({who})")
    shot(page, f"customer-{who}")

    # load more (three events a page here) until the timeline's end; each page checked
    more = page.locator("#timeline-more a")
    pages = 1
    while more.count():
        more.click()
        pages += 1
        expect(page.locator("#timeline li[data-action]")).to_have_count(min(3 * pages, total(data)))
        assert_inert(page, f"timeline page {pages} ({who})")
    shows(timeline, f"原因:{ALL}", f"原因:{SCRIPT}", f"原因:{SVG}", f"原因:{IMG}")
    expect(page.locator("#timeline li[data-action]")).to_have_count(total(data))
    shot(page, f"timeline-{who}")


def total(data: SimpleNamespace) -> int:
    from crm.audit.selectors import customer_timeline

    return customer_timeline(data.customer).count()


def test_customer_pages_as_the_owner(
    page: Page, live_server: Any, browser_errors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PAGE", 3)  # the live server runs in this process
    data = seed()
    customer = data.customer
    login_as(page, live_server, data.people.alice)

    # list, plain, searched for a payload and filtered on a payload tag and choice
    table = page.locator("#customer-table")
    goto(page, live_server, "/customers/")
    shows(table, NAME, SVG, IMG30, SCRIPT30, JS, f"宁波{SCRIPT}贸易有限公司", f"{JS}咨询有限公司")
    assert_inert(page, "customer list")
    shot(page, "list")
    for q in (IMG, SVG, SCRIPT):
        goto(page, live_server, f"/customers/?q={quote(q)}")
        expect(page.locator("#f-q")).to_have_value(q)
        expect(page.locator("#global-search")).to_have_value(q)
        shows(page.locator("main"), f"“{q}”")
        assert_inert(page, f"customer list ?q={q}")
    goto(page, live_server, f"/customers/?tag={quote(IMG30)}")
    expect(page.locator("#f-tag")).to_have_value(IMG30)
    expect(table.locator("tbody tr")).to_have_count(3)
    assert_inert(page, "customer list filtered on a tag")
    shot(page, "list-tag")
    goto(page, live_server, f"/customers/?cf_xss_choice={quote(SCRIPT)}")
    choice = page.locator("#f-cf-xss_choice")
    expect(choice).to_have_value(SCRIPT)
    expect(choice.locator("option")).to_have_text(["全部", IMG, SCRIPT, SVG, JS])
    expect(page.locator("label[for=f-cf-xss_text]")).to_have_text(IMG)
    expect(table.locator("tbody tr")).to_have_count(1)
    assert_inert(page, "customer list filtered on a choice field")

    # type-ahead: a customer's name, and a payload typed into the box
    box = page.locator("#global-search")
    box.fill("云杉")
    found = page.locator("#search-results a[data-kind=customer]")
    expect(found).to_have_text([f"{NAME} {customer.number} · 流失客户"])
    assert_inert(page, "type-ahead (name)")
    box.fill(SCRIPT)
    results = page.locator("#search-results")
    expect(results.locator("a[data-kind=customer]")).to_contain_text([f"宁波{SCRIPT}"])
    expect(results.locator("a[data-kind=contact]")).to_contain_text([SCRIPT])
    shows(results, f"在客户列表中查看“{SCRIPT}”的全部结果")
    assert_inert(page, "type-ahead (payload typed)")
    shot(page, "typeahead")
    box.press("Escape")

    goto(page, live_server, f"/customers/{customer.pk}/")
    check_customer_page(page, data, "alice")

    # dialogs: stage (refused, so the typed payload comes back), collaborators
    dialog = page.locator("#crm-dialog")
    page.locator("#change-stage").click()
    expect(dialog).to_be_visible()
    shows(dialog, NAME, "流失客户")
    dialog.locator("#id_stage").select_option("lost")  # already lost: refused, form re-shown
    dialog.locator("#id_reason").fill(f"{ALL}{JS}")
    dialog.locator("#id_churn_reason").fill(SVG)
    dialog.locator("#dialog-submit").click()
    expect(dialog.locator(".invalid-feedback")).to_contain_text("客户已处于该阶段")
    expect(dialog.locator("#id_reason")).to_have_value(f"{ALL}{JS}")
    expect(dialog.locator("#id_churn_reason")).to_have_value(SVG)
    assert_inert(page, "stage dialog")
    shot(page, "stage-dialog")
    dialog.locator("[data-dialog-close]").first.click()
    expect(dialog).to_be_hidden()

    page.locator("#manage-collaborators").click()
    expect(dialog).to_be_visible()
    shows(dialog.locator("#collaborator-list"), IMG, f"华东一部{SVG}")
    expect(dialog.locator("#id_user option", has_text="陈经理")).to_have_count(1)
    assert_inert(page, "collaborators dialog")
    shot(page, "collaborators-dialog")
    dialog.locator("[data-dialog-close]").first.click()
    expect(dialog).to_be_hidden()

    # edit page: every payload is a field's value; a refused save and a conflict echo them
    goto(page, live_server, f"/customers/{customer.pk}/edit/")
    values = {
        "#id_name": NAME,
        "#id_short_name": SVG,
        "#id_need_keywords": ALL,
        "#id_main_products": ALL,
        "#id_cooperation_products": ALL,
        "#id_service_preference": ALL,
        "#id_focus": ALL,
        "#id_notes": f"{ALL}\n{JS}",
        "#id_tags": "、".join(t.name for t in customer.tags.all()),
        "#id_cf_xss_text": ALL,
        "#id_cf_xss_choice": SCRIPT,
    }
    for selector, value in values.items():
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("label[for=id_cf_xss_text]")).to_have_text(IMG)
    expect(page.locator("#id_source option:checked")).to_have_text(SCRIPT30)
    assert_inert(page, "edit page")
    shot(page, "edit")

    page.locator("#id_tags").fill(f"{IMG}、{JS}")  # a 35-character tag is refused, echoed
    with page.expect_navigation():
        page.locator("#customer-form-submit").click()
    shows(page.locator("#tags-feedback"), IMG)
    expect(page.locator("#id_tags")).to_have_value(f"{IMG}、{JS}")
    assert_inert(page, "edit page with errors")

    customers.update_customer(
        testing.actor(data.bob), customer, main_products=f"{SCRIPT}{IMG}", reason=SVG
    )
    page.locator("#id_tags").fill(f"{IMG30}、{JS}")
    with page.expect_navigation():
        page.locator("#customer-form-submit").click()
    conflict = page.locator("#customer-conflict")
    expect(conflict).to_be_visible()
    shows(page.locator("#customer-conflict-message"), IMG)  # bob's name
    shows(page.locator("#customer-conflict-changes"), f"{SCRIPT}{IMG}", SVG)
    expect(page.locator("#id_tags")).to_have_value(f"{IMG30}、{JS}")
    assert_inert(page, "edit page with a conflict")
    shot(page, "edit-conflict")

    # the duplicate hint under the name (masked half of a payload name)
    goto(page, live_server, "/customers/new/")
    name = page.locator("#id_name")
    name.fill(f"宁波{SCRIPT}贸易有限公司")
    name.press("End")
    expect(page.locator("#name-duplicate-hint")).to_contain_text(duplicate_hint(data.others[0]))
    assert_inert(page, "duplicate hint")

    # not found pages, with payloads in the path and in the search box's query
    for path, q in (
        ("/customers/999999/", ""),
        (f"/customers/{quote(SVG)}/?q={quote(IMG)}", IMG),
        (f"/{quote(SCRIPT)}/?q={quote(SVG)}", SVG),
    ):
        # the document's own 404 status is logged by Chromium as a console error
        browser_errors.allow(
            r"^\[console\] Failed to load resource: the server responded with a status of 404 "
            rf"\(Not Found\) @ {re.escape(live_server.url + path)}$"
        )
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404, path
        expect(page.locator(".empty-title")).to_have_text("没有找到这个页面或记录")
        expect(page.locator("#global-search")).to_have_value(q)
        assert_inert(page, f"404 page {path}")
    shot(page, "404")


def test_customer_pages_as_manager_and_admin(
    new_page: Callable[..., Page], live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PAGE", 3)
    data = seed()
    customer = data.customer

    page = new_page()
    login_as(page, live_server, data.people.carol)
    goto(page, live_server, "/customers/")
    shows(page.locator("#customer-table"), NAME, SVG)
    expect(page.locator("#f-team option", has_text=f"华东一部{SVG}")).to_have_count(1)
    expect(page.locator("#f-source option", has_text=SCRIPT30)).to_have_count(1)
    assert_inert(page, "customer list (carol)")
    goto(page, live_server, f"/customers/{customer.pk}/")
    check_customer_page(page, data, "carol")
    dialog = page.locator("#crm-dialog")
    page.locator("#transfer-owner").click()
    expect(dialog).to_be_visible()
    shows(dialog, NAME)
    expect(dialog.locator("#id_owner option", has_text=IMG)).to_have_count(1)
    dialog.locator("#id_owner").select_option(label=IMG)
    dialog.locator("#id_reason").fill("")  # refused without a reason: the form comes back
    dialog.locator("#dialog-submit").click()
    expect(dialog.locator(".invalid-feedback")).to_be_visible()
    expect(dialog.locator("#id_owner option:checked")).to_have_text(IMG)
    assert_inert(page, "transfer dialog")
    shot(page, "transfer-dialog")

    admin = new_page()
    login_as(admin, live_server, data.people.admin)
    goto(admin, live_server, f"/customers/{customer.pk}/")
    check_customer_page(admin, data, "admin")


def test_settings_pages(page: Page, live_server: Any) -> None:
    data = seed()
    login_as(page, live_server, data.people.admin)
    tag = Tag.objects.get(name=IMG30)

    def visit(path: str, name: str, *texts: str) -> None:
        goto(page, live_server, path)
        expect(page.locator("h1")).to_be_visible()
        shows(page.locator("main"), *texts)
        assert_inert(page, f"settings: {path}")
        shot(page, name)

    visit("/settings/teams/", "teams", f"华东一部{SVG}", "陈经理")
    visit(f"/settings/teams/{data.team.pk}/", "team-edit")
    expect(page.locator("#id_name")).to_have_value(f"华东一部{SVG}")
    visit("/settings/users/", "users", IMG, f"华东一部{SVG}")
    expect(page.locator("select[name=team] option", has_text=f"华东一部{SVG}")).to_have_count(1)
    visit(f"/settings/users/?team={data.team.pk}", "users-filtered", IMG)
    visit(f"/settings/users/{data.bob.pk}/", "user-edit")
    expect(page.locator("#id_full_name")).to_have_value(IMG)
    visit("/settings/sources/", "sources", SCRIPT30)
    visit(f"/settings/sources/{data.source.pk}/", "source-edit")
    expect(page.locator("#id_name")).to_have_value(SCRIPT30)
    visit("/settings/tags/", "tags", IMG30, SCRIPT30, SVG, JS)
    visit(f"/settings/tags/?q={quote(IMG30)}", "tags-search", IMG30)
    expect(page.locator("main input[name=q]")).to_have_value(IMG30)
    visit(f"/settings/tags/{tag.pk}/", "tag", IMG30)
    expect(page.locator("h1")).to_have_text(IMG30)
    expect(page.locator("#id_name")).to_have_value(IMG30)
    confirm = page.locator("form[data-confirm]").first
    expect(confirm).to_have_attribute(
        "data-confirm", f"确定把标签「{IMG30}」合并到所填标签吗?此操作不能撤销。"
    )
    visit("/settings/custom-fields/", "custom-fields", IMG, SCRIPT, SVG, JS)
    visit(f"/settings/custom-fields/{data.choice_field.pk}/", "custom-field-choices")
    expect(page.locator("#id_choices")).to_have_value("\n".join([IMG, SCRIPT, SVG, JS]))
    visit(f"/settings/custom-fields/{data.text_field.pk}/", "custom-field-text")
    expect(page.locator("#id_label")).to_have_value(IMG)
