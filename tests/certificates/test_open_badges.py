"""Open Badges 3.0 credentials, checked by someone else's code: `jose` (npm, panva) verifies the
downloaded JWT against the JWKS the platform serves, and tests/certificates/verify_vc.mjs reads
the revocation bit from the served status list. Our own verifier is used only for the CLI."""
from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from app.certificates import signing
from app.certificates.cli import cli
from app.certificates.models import Certificate, CertificateStatus
from app.certificates.services import reissue_certificate, revoke_certificate
from tests.certificates.independent import require_node, verify_credentials
FORMER_KEY = "HRFLALxIBJuFfFhwYtoio87gTMxZjcL+HQl4LRabnPY="  # tests only: a key "rotated out"


@pytest.fixture()
def certificate(db, graduate) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == graduate.id))


@pytest.fixture()
def verify(browser):
    """Verifies credential JWTs with the independent verifier, against the JWKS and the status
    list the platform serves right now (fetched through the app, passed to node as files)."""
    require_node()

    def run(tokens: list[str], status_list_url: str | None = None) -> list[dict]:
        jwks = browser.get("/.well-known/jwks.json")
        assert jwks.status_code == 200 and jwks.mimetype == "application/jwk-set+json"
        listing = None
        if status_list_url:
            assert status_list_url.startswith("http://campus.test/")
            response = browser.get(status_list_url.removeprefix("http://campus.test"))
            assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
            listing = response.data
        return verify_credentials(tokens, jwks.data, listing)

    return run


def payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def with_payload(token: str, changed: dict) -> str:
    """The token with its payload replaced and its signature kept: a forgery."""
    header, _payload, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(changed, ensure_ascii=False, separators=(",", ":")).encode()).rstrip(b"=")
    return f"{header}.{body.decode()}.{signature}"


def leaves(value, path=()):
    """Every (path, value) of a JSON document's scalars."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, path + (index,))
    else:
        yield path, value


def changed_at(document: dict, path: tuple, value) -> dict:
    result = copy.deepcopy(document)
    target = result
    for step in path[:-1]:
        target = target[step]
    if isinstance(value, bool):
        target[path[-1]] = not value
    elif isinstance(value, (int, float)):
        target[path[-1]] = value + 1
    else:
        target[path[-1]] = f"{value}1" if path[-1] != "validFrom" else "2020-01-01T00:00:00Z"
    return result


def download(browser, certificate):
    response = browser.get(f"/verify/{certificate.code}/open-badge.jwt")
    assert response.status_code == 200, response.status_code
    return response


# -- the credential --------------------------------------------------------------------------------

def test_downloaded_credential_verifies_with_jose_and_states_what_the_verify_page_states(browser, certificate, graduate, verify):
    response = download(browser, certificate)
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Content-Disposition"] == 'attachment; filename="open-badge-kurz-kurs.jwt"'
    token = response.get_data(as_text=True)
    credential = payload(token)
    [result] = verify([token], credential["credentialStatus"]["statusListCredential"])
    assert result["verified"] is True and result["revoked"] is False, result
    assert result["header"]["alg"] == "EdDSA" and result["header"]["typ"] == "vc+jwt"
    assert result["statusList"]["length"] >= 131_072  # 16 KiB, the specification's minimum
    assert credential.pop("iss") == "did:web:campus.test" and credential.pop("jti") == f"http://campus.test/verify/{certificate.code}"
    assert credential.pop("nbf") == int(certificate.issued_at.timestamp()) and "sub" not in credential  # no subject id

    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"http://campus.test/verify/{certificate.code}"
    assert credential["issuer"] == {"id": "did:web:campus.test", "type": ["Profile"],
                                    "name": "Smart City Campus – Qualifizierungsstelle",
                                    "address": {"type": ["Address"], "addressCountry": "Deutschland"}}
    assert credential["validFrom"] == certificate.issued_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert credential["validUntil"] == f"{certificate.expires_on.isoformat()}T23:59:59Z"
    subject = credential["credentialSubject"]
    assert subject["identifier"] == [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                                      "identityHash": "Jürgen Müßig-Özdemir"}]
    achievement = subject["achievement"]
    assert achievement["name"] == "Kurzkurs Smart City" and achievement["type"] == ["Achievement"]
    assert "den Begriff Smart City erklären" in achievement["criteria"]["narrative"]  # a learning outcome
    assert "**Grundlagen**" in achievement["criteria"]["narrative"]  # a module
    assert credential["credentialStatus"] == {
        "id": f"http://campus.test/credentials/status/revocation#{certificate.id}", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": str(certificate.id),
        "statusListCredential": "http://campus.test/credentials/status/revocation",
    }
    text = json.dumps(credential, ensure_ascii=False)
    for private in (graduate.user.email, certificate.number, graduate.cohort.name):
        assert private not in text


def test_the_same_credential_from_the_learners_page_and_only_for_the_holder(browser, another_browser, certificate, graduate, make):
    public = download(browser, certificate).data
    url = f"/zertifikate/{certificate.id}/open-badge.jwt"
    assert browser.get(url).status_code == 302  # to the login page
    browser.login(graduate.user)
    page = browser.get("/lernstand").get_data(as_text=True)
    assert "Als digitalen Nachweis (Open Badges 3.0) herunterladen" in page and url in page
    own = browser.get(url)
    assert own.status_code == 200 and own.data == public and own.mimetype == "application/vc+jwt"
    assert own.headers["Cache-Control"] == "private, no-store" and "filename=" in own.headers["Content-Disposition"]
    for stranger in (make.user("learner"), graduate.cohort.trainers[0], make.user("admin")):
        another_browser.login(stranger)
        assert another_browser.get(url).status_code == 404


def test_tampering_with_any_field_fails(browser, certificate, verify):
    token = download(browser, certificate).get_data(as_text=True)
    credential = payload(token)
    forgeries = {path: with_payload(token, changed_at(credential, path, value)) for path, value in leaves(credential)}
    for must in [("issuer", "name"), ("credentialSubject", "identifier", 0, "identityHash"),
                 ("credentialSubject", "achievement", "name"), ("validFrom",), ("credentialStatus", "statusListIndex")]:
        assert must in forgeries
    extra = dict(credential, validUntil="2099-12-31T23:59:59Z")
    forgeries[("added validUntil",)] = with_payload(token, extra)
    forgeries[("removed credentialStatus",)] = with_payload(token, {k: v for k, v in credential.items() if k != "credentialStatus"})
    header, body, signature = token.split(".")
    other_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "vc+jwt"}).encode()).rstrip(b"=").decode()
    forgeries[("alg none",)] = f"{other_header}.{body}."
    forgeries[("signature of another token",)] = f"{header}.{body}.{signature[::-1]}"

    results = verify([token, *forgeries.values()])
    assert results[0]["verified"] is True, results[0]
    accepted = [path for path, result in zip(forgeries, results[1:]) if result["verified"]]
    assert accepted == [] and len(forgeries) > 30


def test_revoking_the_certificate_flips_the_status_bit(browser, certificate, db, make, verify):
    token = download(browser, certificate).get_data(as_text=True)
    list_url = payload(token)["credentialStatus"]["statusListCredential"]
    assert verify([token], list_url)[0]["revoked"] is False
    revoke_certificate(certificate, make.user("admin"), "Täuschung festgestellt")
    db.session.commit()
    [result] = verify([token], list_url)
    assert result["verified"] is True and result["revoked"] is True, result  # signed, but revoked
    assert browser.get(f"/verify/{certificate.code}/open-badge.jwt").status_code == 404
    assert "Open Badges" not in browser.get(f"/verify/{certificate.code}").get_data(as_text=True)


def test_a_reissue_sets_the_bit_of_the_superseded_credential_only(browser, certificate, db, make, verify):
    old = download(browser, certificate).get_data(as_text=True)
    new_certificate = reissue_certificate(certificate, make.user("admin"), "Namensänderung", name="Jürgen Özdemir")
    db.session.commit()
    new = download(browser, new_certificate).get_data(as_text=True)
    old_result, new_result = verify([old, new], payload(new)["credentialStatus"]["statusListCredential"])
    assert old_result["revoked"] is True and new_result["revoked"] is False
    assert new_result["credential"]["credentialSubject"]["identifier"][0]["identityHash"] == "Jürgen Özdemir"


def test_expired_certificate_is_not_verified(browser, certificate, db, verify):
    certificate.expires_on = certificate.issued_at.date() - timedelta(days=1)
    db.session.commit()
    [result] = verify([download(browser, certificate).get_data(as_text=True)])
    assert result["verified"] is False and "expired" in result["error"]


def test_credential_of_a_deleted_account_verifies_without_the_name(browser, certificate, graduate, db, verify):
    from app.privacy.services import delete_account

    delete_account(graduate.user, None, by="self")
    db.session.commit()
    token = download(browser, certificate).get_data(as_text=True)
    [result] = verify([token], payload(token)["credentialStatus"]["statusListCredential"])
    assert result["verified"] is True and result["revoked"] is False, result
    subject = result["credential"]["credentialSubject"]
    assert "identifier" not in subject and subject["id"].startswith("urn:uuid:")
    assert "Jürgen" not in json.dumps(result["credential"], ensure_ascii=False)


def test_a_credential_signed_before_a_key_change_stays_verifiable(app, browser, certificate, monkeypatch, verify):
    old_token = download(browser, certificate).get_data(as_text=True)
    old_public = signing.public_key_text(signing.load_private_key(app.config["CERTIFICATE_SIGNING_KEY"]))
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNING_KEY", FORMER_KEY)
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_KEYS", old_public)
    new_token = download(browser, certificate).get_data(as_text=True)
    assert new_token != old_token
    assert [r["verified"] for r in verify([old_token, new_token])] == [True, True]
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_KEYS", "")  # the old key withdrawn
    assert [r["verified"] for r in verify([old_token, new_token])] == [False, True]


def test_did_document_publishes_the_same_keys(browser):
    keys = browser.get("/.well-known/jwks.json").get_json()["keys"]
    response = browser.get("/.well-known/did.json")
    document = response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert document["id"] == "did:web:campus.test"
    assert [m["id"] for m in document["verificationMethod"]] == [k["kid"] for k in keys] == document["assertionMethod"]
    assert [m["publicKeyJwk"]["x"] for m in document["verificationMethod"]] == [k["x"] for k in keys]


# -- the command line ----------------------------------------------------------------------------

def test_cli_prints_the_credential_and_verify_accepts_it(app, browser, certificate, tmp_path):
    runner = app.test_cli_runner()
    printed = runner.invoke(cli, ["credential", certificate.code])
    assert printed.exit_code == 0, printed.output
    assert printed.output.strip() == download(browser, certificate).get_data(as_text=True)
    path = tmp_path / "nachweis.jwt"
    path.write_text(printed.output)
    checked = runner.invoke(cli, ["verify", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "valid" in checked.output and "Jürgen Müßig-Özdemir" in checked.output and "Kurzkurs Smart City" in checked.output
    forged = payload(printed.output.strip())
    forged["credentialSubject"]["achievement"]["name"] = "Master of Everything"
    path.write_text(with_payload(printed.output.strip(), forged))
    tampered = runner.invoke(cli, ["verify", str(path)])
    assert tampered.exit_code == 1 and "tampered" in tampered.output
    assert runner.invoke(cli, ["credential", "nichtvorhanden123"]).exit_code == 1


def test_status_list_stays_unchanged_by_a_certificate_that_is_valid(browser, certificate, db):
    """The list is at least 16 KiB of bits and only the invalid certificates are set."""
    from app.certificates import statuslist

    token = browser.get("/credentials/status/revocation").get_data(as_text=True)
    listing = payload(token)
    bits = statuslist.decode(listing["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 131_072 and not statuslist.is_set(bits, certificate.id)
    assert listing["issuer"] == "did:web:campus.test"
    assert isinstance(listing["iat"], int) and "validFrom" not in listing  # a slow clock elsewhere does not reject it
    invalid = set(db.session.scalars(select(Certificate.id).where(Certificate.status != CertificateStatus.VALID)))
    assert {i for i in range(len(bits) * 8) if statuslist.is_set(bits, i)} == invalid


def test_cli_verify_names_a_credential_of_an_unknown_key(app, browser, certificate, monkeypatch, tmp_path):
    current = app.config["CERTIFICATE_SIGNING_KEY"]
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNING_KEY", FORMER_KEY)
    path = tmp_path / "nachweis.jwt"
    path.write_bytes(download(browser, certificate).data)
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNING_KEY", current)
    result = app.test_cli_runner().invoke(cli, ["verify", str(path)])
    assert result.exit_code == 2 and "unknown key" in result.output
    path.write_text('{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}')
    unsigned = app.test_cli_runner().invoke(cli, ["verify", str(path)])
    assert unsigned.exit_code == 3 and "unsigned" in unsigned.output
