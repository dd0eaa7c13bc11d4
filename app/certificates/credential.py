"""A certificate as an Open Badges 3.0 credential (a W3C Verifiable Credential, Data Model 2.0),
secured as a VC-JOSE-COSE JWT (`application/vc+jwt`, EdDSA with the certificate signing key).

Pure functions (no Flask, no database). Why JWT rather than a Data Integrity proof: a JWS over
the credential's JSON bytes can be checked by any well-kept JOSE library with nothing but the
public key; `eddsa-rdfc-2022` would need an RDF canonicalisation stack on both sides, and its
verification depends on every JSON-LD context being resolved identically.

The credential states what the public verify page states: the holder's name and the
qualification (with its learning outcomes and modules), the issuer, the dates and the status —
not the certificate number, cohort, e-mail or anything else in the snapshot."""
from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.certificates import signing

MEDIA_TYPE = "application/vc+jwt"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The JSON-LD contexts the credentials name, shipped with the app: nothing is fetched from these URLs.
CONTEXT_FILES = {
    CREDENTIALS_V2: Path(__file__).parent / "contexts" / "credentials-v2.jsonld",
    OPEN_BADGES_V3: Path(__file__).parent / "contexts" / "ob-v3p0-context-3.0.3.json",
}
ACHIEVEMENT_TYPES = {"zertifikat": "Certificate", "teilnahmebescheinigung": "CertificateOfCompletion"}
KINDS = {"zertifikat": "Zertifikat", "teilnahmebescheinigung": "Teilnahmebescheinigung"}


def load_context(url: str) -> dict:
    """A shipped JSON-LD context by its URL (KeyError for any other URL: never fetched)."""
    return json.loads(CONTEXT_FILES[url].read_text(encoding="utf-8"))


# -- identifiers and keys -------------------------------------------------------------------------

def issuer_did(base_url: str) -> str:
    """The issuer's did:web, from BASE_URL: `https://campus.example` → `did:web:campus.example`,
    a port is percent-encoded, a path becomes further colon-separated segments (did:web spec)."""
    parts = urlsplit(base_url.rstrip("/"))
    segments = [quote(parts.netloc, safe="")] + [quote(s, safe="") for s in parts.path.split("/") if s]
    return "did:web:" + ":".join(segments)


def did_document_path(base_url: str) -> str:
    """Where did:web resolves the document, relative to BASE_URL."""
    return "/did.json" if urlsplit(base_url.rstrip("/")).path else "/.well-known/did.json"


def key_reference(did: str, public: Ed25519PublicKey) -> str:
    """The JWS `kid`: a DID URL naming the key in the issuer's DID document."""
    return f"{did}#{signing.key_id(public)}"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(did: str, public: Ed25519PublicKey) -> dict:
    raw = base64.b64decode(signing.public_key_text(public))
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": key_reference(did, public), "alg": "EdDSA", "use": "sig"}


def jwks(did: str, public_keys: list[Ed25519PublicKey]) -> dict:
    """The issuer's keys as a JSON Web Key Set: the current one and the former ones, so a
    credential signed before a key change stays verifiable."""
    return {"keys": [public_jwk(did, key) for key in public_keys]}


def did_document(did: str, public_keys: list[Ed25519PublicKey]) -> dict:
    methods = []
    for key in public_keys:
        jwk = {k: v for k, v in public_jwk(did, key).items() if k in ("kty", "crv", "x")}
        methods.append({"id": key_reference(did, key), "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk})
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"],  # JsonWebKey: Controlled Identifiers 1.0
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


# -- the credential -------------------------------------------------------------------------------

def timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC, to the second (naive values are UTC, as stored)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _criteria(data: dict) -> str:
    """The achievement's criteria as Markdown (Open Badges' `narrative`): the learning outcomes
    per module, as the certificate states them."""
    lines = [f"Erfolgreicher Abschluss der Qualifizierung „{data['course_title']}“ "
             f"({_hours(data.get('hours'))}) mit diesen Modulen und Lernergebnissen:", ""]
    for module in data.get("modules", []):
        lines.append(f"- **{module['title']}** ({_hours(module.get('hours'))})")
        lines.extend(f"  - {objective}" for objective in module.get("objectives", []))
    return "\n".join(lines)


def _hours(value) -> str:
    """Hours as German text: 3 Zeitstunden, 1 Zeitstunde, 1,5 Zeitstunden."""
    number = float(value or 0)
    text = str(int(number)) if number.is_integer() else str(number).replace(".", ",")
    return f"{text} Zeitstunde" if number == 1 else f"{text} Zeitstunden"


def open_badge(data: dict, *, credential_id: str, issuer_id: str, achievement_id: str, issued_at: datetime,
               expires_on: date | None, status_entry: dict) -> dict:
    """The OpenBadgeCredential for a certificate snapshot (`Certificate.data`).

    `credential_id` is the verify page (what the PDF's QR code points to). The holder appears as
    an `identifier` of type name, as on the verify page; a snapshot whose name was erased with
    the account has none, only an opaque id derived from the credential's."""
    kind = data.get("kind", "zertifikat")
    subject: dict = {"type": ["AchievementSubject"]}
    if data.get("name_erased") or not data.get("name"):
        subject["id"] = uuid.uuid5(uuid.NAMESPACE_URL, credential_id).urn
    else:
        subject["identifier"] = [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                                  "identityHash": data["name"]}]
    subject["achievement"] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES.get(kind, "Certificate"),
        "name": data["course_title"],
        "description": f"{KINDS.get(kind, 'Zertifikat')} über die Qualifizierung „{data['course_title']}“, "
                       f"{_hours(data.get('hours'))}.",
        "criteria": {"narrative": _criteria(data)},
        "inLanguage": "de",
    }
    if data.get("course_version") is not None:
        subject["achievement"]["version"] = str(data["course_version"])
    issuer = {"id": issuer_id, "type": ["Profile"], "name": data["issuer"]}
    if data.get("issuer_country"):
        issuer["address"] = {"type": ["Address"], "addressCountry": data["issuer_country"]}
    credential = {
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{KINDS.get(kind, 'Zertifikat')}: {data['course_title']}",
        "issuer": issuer,
        "validFrom": timestamp(issued_at),
        "credentialSubject": subject,
        "credentialStatus": status_entry,
    }
    if expires_on:  # valid through the whole day of expiry, as on the verify page
        credential["validUntil"] = f"{expires_on.isoformat()}T23:59:59Z"
    return credential


# -- JWS (compact serialisation, EdDSA) ------------------------------------------------------------

def jwt_claims(credential: dict) -> dict:
    """The registered JWT claims Open Badges 3.0 asks for next to the credential's own members
    (iss = issuer.id, jti = id, nbf = validFrom, sub = credentialSubject.id where there is
    one); VC-JOSE-COSE allows them as long as they agree with the credential."""
    issuer = credential["issuer"]
    claims = {"iss": issuer["id"] if isinstance(issuer, dict) else issuer, "jti": credential["id"]}
    if "validFrom" in credential:
        claims["nbf"] = _epoch(datetime.strptime(credential["validFrom"], "%Y-%m-%dT%H:%M:%SZ"))
    if credential["credentialSubject"].get("id"):
        claims["sub"] = credential["credentialSubject"]["id"]
    return claims


def _epoch(moment: datetime) -> int:
    return int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp())


def sign_jwt(credential: dict, key: Ed25519PrivateKey, kid: str, issued_at: datetime | None = None) -> str:
    """A VC-JOSE-COSE JWT: the credential itself is the payload, with the registered claims that
    restate it (and `iat` where given). Deterministic (Ed25519)."""
    header = {"alg": "EdDSA", "kid": kid, "typ": "vc+jwt", "cty": "vc"}
    claims = jwt_claims(credential) | ({"iat": _epoch(issued_at)} if issued_at else {})
    signing_input = f"{_b64url(_json(header))}.{_b64url(_json({**claims, **credential}))}"
    return f"{signing_input}.{_b64url(key.sign(signing_input.encode('ascii')))}"


def _json(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class JwtCheck:
    status: str  # valid | tampered | unknown key | unsigned (as signing.Check)
    credential: dict | None = None
    key_id: str | None = None


def check_jwt(token: str, public_keys: dict[str, Ed25519PublicKey]) -> JwtCheck:
    """Our own check of a credential JWT (for the CLI) against key id → public key. The test suite
    checks the same tokens with an independent JOSE library."""
    try:
        header_part, payload_part, signature_part = token.strip().split(".")
        header = json.loads(_b64url_decode(header_part))
        credential = json.loads(_b64url_decode(payload_part))
        signature = _b64url_decode(signature_part)
    except (ValueError, binascii.Error):
        return JwtCheck(signing.UNSIGNED)
    if not isinstance(header, dict) or header.get("alg") != "EdDSA" or not isinstance(credential, dict):
        return JwtCheck(signing.TAMPERED, credential if isinstance(credential, dict) else None)
    did, _, signer = str(header.get("kid", "")).rpartition("#")
    issuer = credential.get("issuer")
    if did != (issuer.get("id") if isinstance(issuer, dict) else issuer):  # a key of another issuer
        return JwtCheck(signing.TAMPERED, credential, signer)
    claims = {name: credential.get(name) for name in ("iss", "jti", "nbf", "sub") if name in credential}
    try:
        if claims != jwt_claims(credential):  # the JWT claims contradict the credential
            return JwtCheck(signing.TAMPERED, credential, signer)
    except (KeyError, TypeError, ValueError, AttributeError):
        return JwtCheck(signing.TAMPERED, credential, signer)
    key = public_keys.get(signer)
    if key is None:
        return JwtCheck(signing.UNKNOWN_KEY, credential, signer)
    try:
        key.verify(signature, f"{header_part}.{payload_part}".encode("ascii"))
    except InvalidSignature:
        return JwtCheck(signing.TAMPERED, credential, signer)
    return JwtCheck(signing.VALID, credential, signer)
