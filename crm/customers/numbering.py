"""Customer-number patterns (pure). Tokens: {YYYY} {YYYYMMDD} {IND} {SEQ:n}.

The seeds show three real formats: CRM-{YYYYMMDD}-{SEQ:3}, {YYYY}-{IND}-{SEQ:3} (2023-TEC-001)
and {IND}{YYYY}{SEQ:3} (TEC2023001). Each distinct rendering of everything but {SEQ} has its own
counter, so a daily pattern restarts every day and a per-industry pattern counts per industry.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

TOKEN = re.compile(r"\{([A-Z]+)(?::(\d+))?\}")
LITERAL = re.compile(r"^[A-Za-z0-9\-_/.]*$")
KNOWN = {"YYYY", "YYYYMMDD", "IND", "SEQ"}
SEQ_MARK = "{SEQ}"
DEFAULT_PATTERN = "CRM-{YYYYMMDD}-{SEQ:3}"
PRESETS = ("CRM-{YYYYMMDD}-{SEQ:3}", "{YYYY}-{IND}-{SEQ:3}", "{IND}{YYYY}{SEQ:3}")
FALLBACK_IND = "GEN"


def validate_pattern(pattern: str) -> str:
    """Return the pattern or raise a ValidationError in Chinese."""
    tokens = TOKEN.findall(pattern)
    names = [name for name, _ in tokens]
    unknown = [name for name in names if name not in KNOWN]
    if unknown:
        raise ValidationError(f"编号规则含有未知占位符: {', '.join(unknown)}")
    if names.count("SEQ") != 1:
        raise ValidationError("编号规则必须且只能包含一个 {SEQ:n} 序号占位符")
    width = next(w for name, w in tokens if name == "SEQ")
    if not width or not 1 <= int(width) <= 9:
        raise ValidationError("序号位数应为 1-9,例如 {SEQ:3}")
    if not LITERAL.match(TOKEN.sub("", pattern)):
        raise ValidationError("编号规则的固定部分只能使用字母、数字和 - _ / .")
    if len(render(pattern, today=datetime.date(2000, 1, 1), ind="XXXX", seq=10 ** int(width))) > 60:
        raise ValidationError("编号规则生成的编号过长(最多 60 个字符)")
    return pattern


def sequence_key(pattern: str, *, today: datetime.date, ind: str) -> str:
    """Everything but the sequence, rendered: the counter's identity."""
    return _render_tokens(pattern, today=today, ind=ind, seq=None)


def render(pattern: str, *, today: datetime.date, ind: str, seq: int) -> str:
    return _render_tokens(pattern, today=today, ind=ind, seq=seq)


def _render_tokens(pattern: str, *, today: datetime.date, ind: str, seq: int | None) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, width = match.group(1), match.group(2)
        if name == "YYYY":
            return f"{today:%Y}"
        if name == "YYYYMMDD":
            return f"{today:%Y%m%d}"
        if name == "IND":
            return (ind or FALLBACK_IND).upper()
        return SEQ_MARK if seq is None else str(seq).zfill(int(width or 1))

    return TOKEN.sub(substitute, pattern)
