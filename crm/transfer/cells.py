"""Spreadsheet cells that never execute: a text starting with = + - @, a tab or a carriage
return is written with a leading apostrophe (the OWASP CSV-injection rule), and our importer
takes that apostrophe off again, so an export re-imports to the same text."""

from __future__ import annotations

from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """The value to write: texts that a spreadsheet would run as a formula get a leading `'`."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The value as it was before `neutralise` (an apostrophe before a dangerous character)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(DANGEROUS_FIRST):
        return value[1:]
    return value
