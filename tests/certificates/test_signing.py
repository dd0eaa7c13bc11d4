"""The signature over a certificate's data: pure functions, no Flask, no database."""
from __future__ import annotations

import base64

import pytest

from app.certificates import signing

DATA = {"name": "Jürgen Müßig-Özdemir", "number": "SCM-2027-00042", "hours": 40.0, "modules": [{"title": "Daten & Plattformen"}]}


@pytest.fixture(scope="module")
def key():
    return signing.load_private_key(signing.generate_private_key())


def keys_of(*private_keys):
    return {signing.key_id(k): k.public_key() for k in private_keys}


def test_canonical_form_is_independent_of_key_order_and_ascii_only():
    shuffled = {"modules": DATA["modules"], "number": DATA["number"], "hours": 40.0, "name": DATA["name"]}
    assert signing.canonical(shuffled) == signing.canonical(DATA)
    assert signing.canonical(DATA).isascii()
    assert b" " not in signing.canonical({"a": [1, 2]})


def test_signature_is_deterministic_and_verifies(key):
    message = signing.canonical(DATA)
    signature = signing.sign(key, message)
    assert signature == signing.sign(key, message)
    result = signing.check(message, signature, signing.key_id(key), keys_of(key))
    assert result.status == signing.VALID and result.data == DATA


def test_changed_data_is_reported_as_tampered(key):
    signature = signing.sign(key, signing.canonical(DATA))
    forged = signing.canonical({**DATA, "name": "Erika Fälscherin"})
    assert signing.check(forged, signature, signing.key_id(key), keys_of(key)).status == signing.TAMPERED


def test_changed_signature_is_reported_as_tampered(key):
    message = signing.canonical(DATA)
    raw = bytearray(base64.b64decode(signing.sign(key, message)))
    raw[0] ^= 1
    assert signing.check(message, base64.b64encode(bytes(raw)).decode(), signing.key_id(key), keys_of(key)).status == signing.TAMPERED
    assert signing.check(message, "not base64!", signing.key_id(key), keys_of(key)).status == signing.TAMPERED


def test_signature_by_another_key_is_unknown(key):
    other = signing.load_private_key(signing.generate_private_key())
    message = signing.canonical(DATA)
    result = signing.check(message, signing.sign(other, message), signing.key_id(other), keys_of(key))
    assert result.status == signing.UNKNOWN_KEY and result.key_id == signing.key_id(other)


def test_a_known_key_id_with_a_foreign_signature_is_tampered(key):
    other = signing.load_private_key(signing.generate_private_key())
    message = signing.canonical(DATA)
    assert signing.check(message, signing.sign(other, message), signing.key_id(key), keys_of(key)).status == signing.TAMPERED


def test_missing_parts_mean_unsigned(key):
    assert signing.check(None, None, None, keys_of(key)).status == signing.UNSIGNED


def test_bad_keys_are_refused():
    with pytest.raises(signing.SigningKeyError):
        signing.load_private_key("c2hvcnQ=")
    with pytest.raises(signing.SigningKeyError):
        signing.load_public_key("###")
