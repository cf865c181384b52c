"""Every template obeys the Content Security Policy by construction, and the error pages speak
Chinese and say what to do next."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client

TEMPLATES = sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html"))
RULES = {
    "inline event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on (evaluates code)": re.compile(r"\shx-on", re.IGNORECASE),
    "inline style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "inline <style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "|safe on a value": re.compile(r"\|\s*safe\b"),
}


def test_templates_were_found() -> None:
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_template_has_no_inline_code_or_unescaped_values(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = {name: rule.findall(text) for name, rule in RULES.items() if rule.search(text)}

    assert found == {}


def test_csp_header_allows_scripts_only_from_self_with_nonce(personas: Any, client: Client) -> None:
    client.force_login(personas.alice)
    response = client.get("/customers/")

    policy = response["Content-Security-Policy"]
    script = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script.split()[1] == "'self'"
    assert re.fullmatch(r"'nonce-[A-Za-z0-9+/=_-]+'", script.split()[2])
    assert len(script.split()) == 3
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


@pytest.mark.django_db
def test_404_page_is_chinese_and_says_what_to_do(personas: Any, client: Client) -> None:
    client.force_login(personas.alice)
    response = client.get("/customers/999999/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "没有找到这个页面或记录" in html
    assert "请从客户列表或搜索重新查找" in html
    assert 'href="/customers/"' in html


@pytest.mark.django_db
def test_403_page_names_the_reason(personas: Any, customer_of: Any, client: Client) -> None:
    customer = customer_of(personas.alice, name="甲公司")
    client.force_login(personas.erin)
    response = client.get(f"/customers/{customer.pk}/stage/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "您没有权限执行这个操作" in html
    assert "您只能查看该客户,不能修改" in html
    assert "请联系团队经理或系统管理员开通" in html


def test_500_page_stands_alone_in_chinese() -> None:
    html = render_to_string("500.html")

    assert "系统出了点问题,您的操作没有完成" in html
    assert "{%" not in html and "<script" not in html
