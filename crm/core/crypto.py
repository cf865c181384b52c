"""Field encryption (AES-256-GCM) and keyed blind indexes, with keys from the environment.

CRM_FIELD_KEYS = "k2:<base64 32 bytes>,k1:<base64 32 bytes>": the first key encrypts, every key
decrypts, so keys rotate by prepending a new one. CRM_BLIND_INDEX_KEY is a separate HMAC key; the
blind index lets an exact value be found without storing it in the clear. Neither key is derived
from SECRET_KEY.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1"


def _b64decode(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{what} is not valid base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{what} must decode to 32 bytes")
    return raw


@cache
def keyring(spec: str) -> tuple[str, dict[str, AESGCM]]:
    """Parse CRM_FIELD_KEYS into (primary key id, {key id: cipher})."""
    entries = [item.strip() for item in spec.split(",") if item.strip()]
    if not entries:
        raise ImproperlyConfigured("CRM_FIELD_KEYS is empty: field encryption needs a key")
    ciphers: dict[str, AESGCM] = {}
    for entry in entries:
        kid, sep, b64 = entry.partition(":")
        if not sep or not kid.isalnum():
            raise ImproperlyConfigured("CRM_FIELD_KEYS entries look like kid:base64key")
        ciphers[kid] = AESGCM(_b64decode(b64, f"CRM_FIELD_KEYS key {kid}"))
    return entries[0].partition(":")[0], ciphers


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt; `context` (e.g. "contacts.contact.id_number") binds the value to its column."""
    primary, ciphers = keyring(settings.CRM_FIELD_KEYS)
    nonce = os.urandom(12)
    sealed = ciphers[primary].encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{primary}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    try:
        prefix, kid, payload = token.split(":", 2)
        _, ciphers = keyring(settings.CRM_FIELD_KEYS)
        raw = base64.b64decode(payload)
        if prefix != PREFIX:
            raise ValueError(prefix)
        return ciphers[kid].decrypt(raw[:12], raw[12:], context.encode()).decode()
    except (ValueError, KeyError, InvalidTag, binascii.Error) as exc:
        raise ImproperlyConfigured(
            f"cannot decrypt a {context} value: wrong or missing key in CRM_FIELD_KEYS"
        ) from exc


def blind_index(value: str, *, context: str) -> str:
    """A keyed hash of the normalised value, for exact-match lookups."""
    key = _b64decode(settings.CRM_BLIND_INDEX_KEY, "CRM_BLIND_INDEX_KEY")
    normal = "".join(value.split()).upper()
    return hmac.new(key, f"{context}\x00{normal}".encode(), hashlib.sha256).hexdigest()
