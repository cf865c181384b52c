"""Field encryption (AES-256-GCM, rotating keys) and keyed blind indexes."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm.core import crypto

CONTEXT = "contacts.contact.id_number"
OTHER_CONTEXT = "contacts.contact.bank_account"
TEXT = "张三丰 11010519491231002X 北京市朝阳区"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def keys(settings: Any) -> dict[str, str]:
    """A fresh k1 key for this test (a new spec string, so crypto.keyring parses it anew)."""
    k1 = new_key()
    settings.CRM_FIELD_KEYS = f"k1:{k1}"
    settings.CRM_BLIND_INDEX_KEY = new_key()
    return {"k1": k1}


# --- encrypt / decrypt ------------------------------------------------------------------------


def test_round_trip_keeps_chinese_text(keys: Any) -> None:
    token = crypto.encrypt(TEXT, context=CONTEXT)

    assert crypto.decrypt(token, context=CONTEXT) == TEXT


def test_ciphertext_names_format_and_key_and_hides_the_text(keys: Any) -> None:
    token = crypto.encrypt(TEXT, context=CONTEXT)

    assert token.startswith("enc1:k1:")
    assert TEXT not in token
    assert "11010519491231002X" not in token
    assert TEXT.encode() not in base64.b64decode(token.split(":", 2)[2])


def test_same_text_encrypts_differently_each_time(keys: Any) -> None:
    assert crypto.encrypt(TEXT, context=CONTEXT) != crypto.encrypt(TEXT, context=CONTEXT)


def test_empty_string_round_trips(keys: Any) -> None:
    assert crypto.decrypt(crypto.encrypt("", context=CONTEXT), context=CONTEXT) == ""


def test_value_from_one_context_does_not_decrypt_in_another(keys: Any) -> None:
    token = crypto.encrypt(TEXT, context=CONTEXT)

    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(token, context=OTHER_CONTEXT)

    assert str(excinfo.value) == (
        "cannot decrypt a contacts.contact.bank_account value: "
        "wrong or missing key in CRM_FIELD_KEYS"
    )


def test_tampered_ciphertext_does_not_decrypt(keys: Any) -> None:
    token = crypto.encrypt(TEXT, context=CONTEXT)
    head, payload = token.rsplit(":", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 0x01
    tampered = f"{head}:{base64.b64encode(bytes(raw)).decode()}"

    with pytest.raises(ImproperlyConfigured, match="cannot decrypt"):
        crypto.decrypt(tampered, context=CONTEXT)


@pytest.mark.parametrize("token", ["", "plain text", "enc2:k1:AAAA", "enc1:k1:not base64!"])
def test_malformed_token_raises_improperly_configured(keys: Any, token: str) -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(token, context=CONTEXT)

    assert str(excinfo.value) == (
        "cannot decrypt a contacts.contact.id_number value: wrong or missing key in CRM_FIELD_KEYS"
    )


def test_value_under_a_different_key_with_same_id_does_not_decrypt(settings: Any) -> None:
    settings.CRM_FIELD_KEYS = f"k1:{new_key()}"
    token = crypto.encrypt(TEXT, context=CONTEXT)
    settings.CRM_FIELD_KEYS = f"k1:{new_key()}"

    with pytest.raises(ImproperlyConfigured, match="wrong or missing key"):
        crypto.decrypt(token, context=CONTEXT)


# --- key rotation -----------------------------------------------------------------------------


def test_rotation_still_decrypts_values_written_with_old_key(settings: Any) -> None:
    k1, k2 = new_key(), new_key()
    settings.CRM_FIELD_KEYS = f"k1:{k1}"
    old = crypto.encrypt(TEXT, context=CONTEXT)

    settings.CRM_FIELD_KEYS = f"k2:{k2},k1:{k1}"

    assert old.startswith("enc1:k1:")
    assert crypto.decrypt(old, context=CONTEXT) == TEXT


def test_rotation_writes_new_values_with_the_first_key(settings: Any) -> None:
    k1, k2 = new_key(), new_key()
    settings.CRM_FIELD_KEYS = f"k2:{k2},k1:{k1}"

    token = crypto.encrypt(TEXT, context=CONTEXT)

    assert token.startswith("enc1:k2:")
    assert crypto.decrypt(token, context=CONTEXT) == TEXT


def test_new_key_value_decrypts_with_new_key_alone(settings: Any) -> None:
    k1, k2 = new_key(), new_key()
    settings.CRM_FIELD_KEYS = f"k2:{k2},k1:{k1}"
    token = crypto.encrypt(TEXT, context=CONTEXT)

    settings.CRM_FIELD_KEYS = f"k2:{k2}"

    assert crypto.decrypt(token, context=CONTEXT) == TEXT


def test_value_under_a_retired_key_no_longer_decrypts(settings: Any) -> None:
    k1, k2 = new_key(), new_key()
    settings.CRM_FIELD_KEYS = f"k1:{k1}"
    old = crypto.encrypt(TEXT, context=CONTEXT)

    settings.CRM_FIELD_KEYS = f"k2:{k2}"

    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(old, context=CONTEXT)
    assert str(excinfo.value) == (
        "cannot decrypt a contacts.contact.id_number value: wrong or missing key in CRM_FIELD_KEYS"
    )


def test_keyring_accepts_spaces_around_entries(settings: Any) -> None:
    k1, k2 = new_key(), new_key()
    settings.CRM_FIELD_KEYS = f" k2:{k2} , k1:{k1} ,"

    primary, ciphers = crypto.keyring(settings.CRM_FIELD_KEYS)

    assert primary == "k2"
    assert sorted(ciphers) == ["k1", "k2"]


# --- misconfigured keys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "CRM_FIELD_KEYS is empty: field encryption needs a key"),
        (" , ", "CRM_FIELD_KEYS is empty: field encryption needs a key"),
        ("bare-key-without-id", "CRM_FIELD_KEYS entries look like kid:base64key"),
        (
            "k-1:" + base64.b64encode(b"x" * 32).decode(),
            "CRM_FIELD_KEYS entries look like kid:base64key",
        ),
        ("k1:not*base64", "CRM_FIELD_KEYS key k1 is not valid base64"),
        (
            "k1:" + base64.b64encode(b"x" * 16).decode(),
            "CRM_FIELD_KEYS key k1 must decode to 32 bytes",
        ),
        ("k1:", "CRM_FIELD_KEYS key k1 must decode to 32 bytes"),
    ],
)
def test_bad_field_keys_raise_clear_improperly_configured(
    settings: Any, spec: str, message: str
) -> None:
    settings.CRM_FIELD_KEYS = spec

    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.encrypt(TEXT, context=CONTEXT)

    assert str(excinfo.value) == message


def test_bad_second_key_is_reported_even_though_first_is_fine(settings: Any) -> None:
    settings.CRM_FIELD_KEYS = f"k2:{new_key()},k1:{base64.b64encode(b'x' * 16).decode()}"

    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.encrypt(TEXT, context=CONTEXT)

    assert str(excinfo.value) == "CRM_FIELD_KEYS key k1 must decode to 32 bytes"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "CRM_BLIND_INDEX_KEY must decode to 32 bytes"),
        ("@@@", "CRM_BLIND_INDEX_KEY is not valid base64"),
        (base64.b64encode(b"x" * 31).decode(), "CRM_BLIND_INDEX_KEY must decode to 32 bytes"),
    ],
)
def test_bad_blind_index_key_raises_clear_improperly_configured(
    settings: Any, key: str, message: str
) -> None:
    settings.CRM_BLIND_INDEX_KEY = key

    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.blind_index("11010519491231002X", context="id_number")

    assert str(excinfo.value) == message


# --- blind index ------------------------------------------------------------------------------


def test_blind_index_is_deterministic(keys: Any) -> None:
    first = crypto.blind_index("11010519491231002X", context="id_number")

    assert first == crypto.blind_index("11010519491231002X", context="id_number")
    assert len(first) == 64
    assert int(first, 16) >= 0


def test_blind_index_ignores_spaces_and_case(keys: Any) -> None:
    expected = crypto.blind_index("11010519491231002X", context="id_number")

    assert crypto.blind_index(" 110105 19491231 002x\t", context="id_number") == expected


def test_blind_index_differs_per_context(keys: Any) -> None:
    value = "6222021234567890123"

    assert crypto.blind_index(value, context="id_number") != crypto.blind_index(
        value, context="bank_account"
    )


def test_blind_index_differs_per_value(keys: Any) -> None:
    assert crypto.blind_index("6222021234567890123", context="bank_account") != (
        crypto.blind_index("6222021234567890124", context="bank_account")
    )


def test_blind_index_depends_on_the_key(settings: Any) -> None:
    settings.CRM_BLIND_INDEX_KEY = new_key()
    first = crypto.blind_index("11010519491231002X", context="id_number")
    settings.CRM_BLIND_INDEX_KEY = new_key()

    assert crypto.blind_index("11010519491231002X", context="id_number") != first


def test_blind_index_does_not_contain_the_value(keys: Any) -> None:
    digest = crypto.blind_index("6222021234567890123", context="bank_account")

    assert "6222021234567890123" not in digest
    assert "7890123" not in digest
