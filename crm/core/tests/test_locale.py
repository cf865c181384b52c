"""The English catalogue: the committed .mo matches the .po, and the language switch works."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from crm.core import testing

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")$')


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """Every entry of a .po file (header included); obsolete `#~` entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    key = ""
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()  # a comment starts the next entry
            if line.startswith("#,"):
                pending_flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        match = KEYWORD.match(line)
        if match:
            key, value = match.group(1), ast.literal_eval(match.group(2))
            if key in ("msgctxt", "msgid") and current is not None and current.msgstr:
                finish()
            if current is None:
                current = Entry(flags=pending_flags, line=number)
                pending_flags = set()
        elif line.startswith('"') and current is not None:
            value = ast.literal_eval(line)  # continuation of the previous keyword
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
        assert current is not None
        if key == "msgctxt":
            current.msgctxt = (current.msgctxt or "") + value
        elif key == "msgid":
            current.msgid += value
        elif key == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + value
        else:
            index = int(key[7:-1]) if key.startswith("msgstr[") else 0
            current.msgstr[index] = current.msgstr.get(index, "") + value
    finish()
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    entries = parse_po(LC_MESSAGES / "django.po")
    assert entries and entries[0].msgid == "", "the .po starts with its header"
    return entries


def test_po_header_is_english(catalogue: list[Entry]) -> None:
    header = catalogue[0].msgstr[0]
    assert "Language: en\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header
    assert "charset=UTF-8" in header


def test_every_message_is_translated(catalogue: list[Entry]) -> None:
    messages = catalogue[1:]
    assert len(messages) > 200
    for entry in messages:
        where = f"django.po:{entry.line} {entry.msgid!r}"
        assert "fuzzy" not in entry.flags, where
        expected = [0, 1] if entry.msgid_plural is not None else [0]
        assert sorted(entry.msgstr) == expected, where
        assert all(text.strip() for text in entry.msgstr.values()), f"empty msgstr: {where}"
        for text in entry.msgstr.values():
            placeholders = sorted(re.findall(r"%\(\w+\)[sd]", entry.msgid))
            assert sorted(re.findall(r"%\(\w+\)[sd]", text)) == placeholders, where


def test_mo_is_compiled_from_the_po(catalogue: list[Entry]) -> None:
    with (LC_MESSAGES / "django.mo").open("rb") as fp:
        mo = gettext.GNUTranslations(fp)
    assert mo.info().get("language") == "en"
    for entry in catalogue[1:]:
        where = f"{entry.msgid!r}: the .mo is stale, run `make messages`"
        if entry.msgctxt is not None:
            assert mo.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr[0], where
        elif entry.msgid_plural is not None:
            assert mo.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0], where
            assert mo.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr[1], where
        else:
            assert mo.gettext(entry.msgid) == entry.msgstr[0], where


# --- pages ----------------------------------------------------------------------------------


@pytest.fixture
def alice_client(client: Client, personas: testing.Personas) -> Client:
    client.force_login(personas.alice)
    return client


def _html(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


def test_customers_page_in_english(alice_client: Client) -> None:
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = alice_client.get("/customers/")
    html = _html(response)
    assert '<html lang="en">' in html
    assert '<span class="nav-link-title">Customers</span>' in html
    assert 'id="apply-filters">Filter</button>' in html
    assert "More filters" in html
    assert "客户列表" not in html
    assert response.headers["Content-Language"] == "en"


def test_customers_page_defaults_to_chinese(alice_client: Client) -> None:
    html = _html(alice_client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="zh-Hans">' in html
    assert '<span class="nav-link-title">客户列表</span>' in html
    assert 'id="apply-filters">筛选</button>' in html


def test_set_language_sets_the_cookie_and_redirects_back(alice_client: Client) -> None:
    response = alice_client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = _html(alice_client.get(response["Location"]))
    assert '<html lang="en">' in html

    response = alice_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/customers/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert '<html lang="zh-Hans">' in _html(alice_client.get("/customers/"))


def test_translation_functions_go_by_names_makemessages_extracts() -> None:
    """xgettext finds _(), gettext(), gettext_lazy(), ngettext()…, not an alias such as
    `gettext_lazy as _lazy`: strings marked through one never reach the catalogue."""
    import re
    from pathlib import Path

    import crm

    known = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext"}
    alias = re.compile(r"from django\.utils\.translation import .*\b(\w+) as (\w+)")
    found = []
    for path in Path(crm.__file__).parent.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = alias.search(line)
            if match and match.group(2) not in known:
                found.append(f"{path.name}: {line.strip()}")
    assert found == []
