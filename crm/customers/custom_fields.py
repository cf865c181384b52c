"""Validation and parsing of admin-defined custom field values (pure)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.core.exceptions import ValidationError


class Definition(Protocol):
    key: str
    label: str
    type: str
    choices: list[str]
    required: bool


INT_LIMIT = 2**63 - 1


def _safe_text(label: str, raw: Any) -> str:
    """Text as the databases store it: no NUL, no lone surrogates, no nested structures."""
    if isinstance(raw, dict | list):
        raise ValidationError(f"{label}的值格式不正确")
    text = str(raw).strip()
    if "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text):
        raise ValidationError(f"{label}含有无法保存的字符")
    return text


def parse_value(definition: Definition, raw: Any) -> Any:
    """Turn user input into the stored JSON value, or raise a ValidationError in Chinese."""
    label = definition.label
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    raw = raw if isinstance(raw, bool | int | float) else _safe_text(label, raw)
    kind = definition.type
    if kind == "text":
        text = str(raw).strip()
        if len(text) > 500:
            raise ValidationError(f"{label}最多 500 个字符")
        return text
    if kind == "integer":
        if isinstance(raw, bool):
            raise ValidationError(f"{label}应为整数")
        try:
            number = int(str(raw).strip())
        except ValueError as exc:
            raise ValidationError(f"{label}应为整数") from exc
        if abs(number) > INT_LIMIT:
            raise ValidationError(f"{label}超出范围")
        return number
    if kind == "decimal":
        try:
            amount = Decimal(str(raw).strip())
        except InvalidOperation as exc:
            raise ValidationError(f"{label}应为数字") from exc
        if not amount.is_finite():
            raise ValidationError(f"{label}应为数字")
        return str(amount)
    if kind == "date":
        try:
            return datetime.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError as exc:
            raise ValidationError(f"{label}应为日期,格式 YYYY-MM-DD") from exc
    if kind == "boolean":
        return _parse_bool(label, raw)
    if kind == "choice":
        text = str(raw).strip()
        if text not in definition.choices:
            raise ValidationError(f"{label}只能是: {'、'.join(definition.choices)}")
        return text
    raise ValidationError(f"{label}的类型未知")


def _parse_bool(label: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1", "yes", "是"}:
        return True
    if text in {"false", "0", "no", "否"}:
        return False
    raise ValidationError(f"{label}应为 是 或 否")


def clean_values(definitions: Iterable[Definition], values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a whole custom-field dict against the active definitions."""
    if not isinstance(values, Mapping):
        raise ValidationError({"custom": "自定义字段应为键值对象"})
    by_key = {d.key: d for d in definitions}
    errors: dict[str, list[str]] = {}
    unknown = [key for key in values if key not in by_key]
    if unknown:
        errors["custom"] = [f"未知的自定义字段: {', '.join(sorted(map(str, unknown)))}"]
    cleaned: dict[str, Any] = {}
    for key, definition in by_key.items():
        try:
            value = parse_value(definition, values.get(key))
        except ValidationError as exc:
            errors.setdefault("custom", []).extend(exc.messages)
            continue
        if value is None:
            if definition.required:
                errors.setdefault("custom", []).append(f"{definition.label}为必填项")
            continue
        cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned
