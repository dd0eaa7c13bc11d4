"""The pure parts of the Open Badges credential: did:web names, the bitstring status list, and
that every term the credential uses is defined by the JSON-LD contexts shipped with the app."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from app.certificates import credential, statuslist

SNAPSHOT = {
    "name": "Erika Mustermann", "course_slug": "kurs", "course_title": "Kurs", "course_version": "2.1", "hours": 1.5,
    "modules": [{"title": "Eins", "hours": 1.0, "objectives": ["etwas können"]}], "kind": "teilnahmebescheinigung",
    "issuer": "Stelle", "issuer_country": "Deutschland", "number": "X-2027-00001", "cohort": "Kohorte A",
}


def badge(data=SNAPSHOT) -> dict:
    return credential.open_badge(
        data, credential_id="https://campus.example/verify/abc", issuer_id="did:web:campus.example",
        achievement_id="urn:uuid:00000000-0000-0000-0000-000000000000", issued_at=datetime(2027, 3, 1, 9, 30, 15, 123),
        expires_on=date(2029, 3, 1), status_entry=statuslist.entry("https://campus.example/l", 7),
    )


@pytest.mark.parametrize(("base_url", "did", "path"), [
    ("https://campus.example", "did:web:campus.example", "/.well-known/did.json"),
    ("https://campus.example/", "did:web:campus.example", "/.well-known/did.json"),
    ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000", "/.well-known/did.json"),
    ("https://land.example/campus", "did:web:land.example:campus", "/did.json"),
])
def test_issuer_did_follows_did_web(base_url, did, path):
    assert credential.issuer_did(base_url) == did
    assert credential.did_document_path(base_url) == path


def test_status_list_bit_order_and_minimum_length():
    assert statuslist.list_length(0) == statuslist.list_length(131_071) == 131_072
    assert statuslist.list_length(131_072) == 262_144
    bits = statuslist.decode(statuslist.encode([0, 9, 131_071], 131_072))
    assert len(bits) == 16 * 1024
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01  # index 0 is the first byte's high bit
    assert [i for i in range(16) if statuslist.is_set(bits, i)] == [0, 9]
    assert statuslist.encode([], 131_072) == statuslist.encode([], 131_072)  # same list, same bytes
    with pytest.raises(ValueError):
        statuslist.encode([131_072], 131_072)


def test_credential_states_the_qualification_and_nothing_private():
    result = badge()
    assert result["validFrom"] == "2027-03-01T09:30:15Z" and result["validUntil"] == "2029-03-01T23:59:59Z"
    achievement = result["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "CertificateOfCompletion" and achievement["version"] == "2.1"
    assert achievement["description"] == "Teilnahmebescheinigung über die Qualifizierung „Kurs“, 1,5 Zeitstunden."
    assert "- **Eins** (1 Zeitstunde)\n  - etwas können" in achievement["criteria"]["narrative"]
    text = repr(result)
    assert "X-2027-00001" not in text and "Kohorte A" not in text


def test_an_erased_name_leaves_an_opaque_subject_id():
    erased = badge({**SNAPSHOT, "name": "Name auf Wunsch gelöscht", "name_erased": True})
    assert "identifier" not in erased["credentialSubject"]
    assert erased["credentialSubject"]["id"] == badge({**SNAPSHOT, "name_erased": True})["credentialSubject"]["id"]


def _terms(context) -> set[str]:
    """Every term a context defines, in scoped contexts too."""
    found: set[str] = set()
    for key, value in context.items():
        if not key.startswith("@"):
            found.add(key)
        if isinstance(value, dict) and isinstance(value.get("@context"), dict):
            found |= _terms(value["@context"])
    return found


def _used(document) -> set[str]:
    """The keys and type names a credential uses."""
    used: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "@context":
                continue
            used.add(key)
            if key == "type":
                used |= set(value if isinstance(value, list) else [value])
            used |= _used(value)
    elif isinstance(document, list):
        for item in document:
            used |= _used(item)
    return used


def test_every_term_is_defined_by_the_shipped_contexts():
    """Nothing is dropped by a JSON-LD processor, and every context the credentials name ships
    with the app (no request to another host)."""
    listing = statuslist.status_list_credential("https://campus.example/l", "did:web:campus.example", [1], 131_072)
    for document in (badge(), badge({**SNAPSHOT, "name_erased": True}), listing):
        assert set(document["@context"]) <= set(credential.CONTEXT_FILES)
        defined = set().union(*(_terms(credential.load_context(url)["@context"]) for url in document["@context"]))
        assert _used(document) - defined == set()


def test_jwt_claims_restate_the_credential():
    erased = badge({**SNAPSHOT, "name_erased": True})
    assert credential.jwt_claims(erased) == {
        "iss": "did:web:campus.example", "jti": "https://campus.example/verify/abc",
        "nbf": int(datetime(2027, 3, 1, 9, 30, 15, tzinfo=timezone.utc).timestamp()),
        "sub": erased["credentialSubject"]["id"],
    }
    assert "sub" not in credential.jwt_claims(badge())
