"""Pure business rules for customers (no database access)."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

# --- names and masking ---

# Legal-form suffixes stripped from the end of an enterprise name, longest first. The
# bracketed forms '(有限合伙)' and '(普通合伙)' are covered too: brackets are folded away first.
LEGAL_FORMS: tuple[str, ...] = (
    "个人独资企业",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "有限合伙",
    "普通合伙",
    "合伙企业",
    "公司",
)
# A name ending in one of these is a branch: the suffix stays, and only the parent's legal
# form in front of the branch's place name is removed.
BRANCH_SUFFIXES: tuple[str, ...] = ("分公司",)
# Compound surnames for masking a person's name.
COMPOUND_SURNAMES: frozenset[str] = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙",
    "慕容", "长孙", "宇文", "令狐", "夏侯", "单于", "澹台",
})  # fmt: skip

_CHINA_MARK = "(中国)"
# ASCII punctuation plus the CJK brackets, dots and dashes that NFKC leaves alone.
_PUNCTUATION = re.compile(r"""[\s!-/:-@\[-`{-~·・‧•—–―、。【】〔〕〖〗《》〈〉「」『』“”‘’]""")
_LEGAL_FORM = re.compile("|".join(LEGAL_FORMS))
_NON_DIGITS = re.compile(r"\D")
_COUNTRY_CODE = re.compile(r"^(?:0086|86)(?=1[3-9]\d{9}$)")


def _fold_name(name: str) -> str:
    """NFKC-fold, lower-case, drop '(中国)', whitespace and punctuation."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = re.sub(r"\s+", "", text).replace(_CHINA_MARK, "")
    return _PUNCTUATION.sub("", text)


def _strip_legal_form(text: str) -> str:
    """Remove the longest legal form at the end, unless nothing else would remain."""
    for form in LEGAL_FORMS:
        if text.endswith(form):
            return text.removesuffix(form) or text
    return text


def _strip_parent_legal_form(head: str) -> str:
    """Remove the last legal form inside the part of a branch name before its suffix."""
    matches = list(_LEGAL_FORM.finditer(head))
    if not matches:
        return head
    last = matches[-1]
    return head[: last.start()] + head[last.end() :]


def normalise_name(name: str) -> str:
    """The duplicate-detection key of an enterprise name."""
    text = _fold_name(name)
    for suffix in BRANCH_SUFFIXES:
        if text.endswith(suffix):
            return _strip_parent_legal_form(text.removesuffix(suffix)) + suffix
    return _strip_legal_form(text)


def mask_mobile(value: str) -> str:
    """Keep the first 3 and last 4 digits of a phone number: '138****5678'."""
    digits = _COUNTRY_CODE.sub("", _NON_DIGITS.sub("", value or ""))
    if not digits:
        return "****" if value else ""
    if len(digits) < 8:
        return "****" + digits[len(digits) - len(digits) // 2 :]
    return digits[:3] + "*" * max(4, len(digits) - 7) + digits[-4:]


def mask_email(value: str) -> str:
    """Keep the first two characters of the local part (one if it is short): 'zh****@a.com'."""
    text = (value or "").strip()
    if not text:
        return ""
    local, at, domain = text.rpartition("@") if "@" in text else (text, "", "")
    shown = local[:1] if len(local) <= 2 else local[:2]
    return f"{shown}****{at}{domain}"


def mask_person_name(name: str) -> str:
    """Keep the surname (compound surnames too) or the first letter: '张*', '欧阳*', 'T*'."""
    text = (name or "").strip()
    if not text:
        return ""
    surname = text[:2] if text[:2] in COMPOUND_SURNAMES else text[:1]
    return surname + "*"


def mask_customer_name(name: str) -> str:
    """Hint at a customer's name: the first half (at most 8 characters), then '…'."""
    text = (name or "").strip()
    if not text:
        return ""
    keep = min(math.ceil(len(text) / 2), 8, len(text) - 1)
    return text[:keep] + "…"


def mask_tail(value: str, keep: int = 4) -> str:
    """Mask all but the last `keep` characters with '*', for ID numbers and bank accounts."""
    text = (value or "").strip()
    keep = max(0, min(keep, len(text)))
    return "*" * (len(text) - keep) + text[len(text) - keep :]


# A contact's personal fields (DOMAIN §2) and how each is masked for viewers without the grant.
PERSONAL_MASKS = {"mobile": mask_mobile, "email": mask_email, "emergency_phone": mask_mobile}


def mask_personal(values: dict[str, Any]) -> dict[str, Any]:
    """The same mapping with every personal field's text masked (other keys untouched)."""
    masked = dict(values)
    for field, mask in PERSONAL_MASKS.items():
        if isinstance(masked.get(field), str):
            masked[field] = mask(masked[field])
    return masked
