"""Tamper evidence: a certificate's data are signed with Ed25519 when it is issued.

Pure functions (no Flask, no database). The signed message is the canonical JSON of the snapshot;
the PDF carries that exact message, the signature and the id of the signing key, so a PDF can be
checked offline with nothing but the public key."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VALID, TAMPERED, UNKNOWN_KEY, UNSIGNED = "valid", "tampered", "unknown key", "unsigned"


class SigningKeyError(ValueError):
    """A configured key cannot be read."""


def canonical(data: dict) -> bytes:
    """The signed form of a snapshot: sorted keys, no whitespace, ASCII only, so it survives any
    JSON column and any PDF string encoding unchanged."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def generate_private_key() -> str:
    """A new private key as base64 of its 32 raw bytes (the form CERTIFICATE_SIGNING_KEY takes)."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode("ascii")


def load_private_key(text: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError("CERTIFICATE_SIGNING_KEY is not the base64 of a 32-byte Ed25519 private key") from exc


def load_public_key(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError(f"not the base64 of a 32-byte Ed25519 public key: {text[:12]}…") from exc


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode("ascii")


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A short, stable name for a key pair: the start of the SHA-256 of the raw public key."""
    return hashlib.sha256(base64.b64decode(public_key_text(key))).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    """Ed25519 is deterministic: the same message and key always give the same signature."""
    return base64.b64encode(key.sign(message)).decode("ascii")


@dataclass(frozen=True)
class Check:
    status: str  # valid | tampered | unknown key | unsigned
    data: dict | None = None
    key_id: str | None = None


def check(message: bytes | None, signature: str | None, signer: str | None, public_keys: dict[str, Ed25519PublicKey]) -> Check:
    """Checks a signed message against the known public keys (key id → key)."""
    if not message or not signature or not signer:
        return Check(UNSIGNED)
    try:
        data = json.loads(message)
    except ValueError:
        data = None
    key = public_keys.get(signer)
    if key is None:
        return Check(UNKNOWN_KEY, data, signer)
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return Check(TAMPERED, data, signer)
    if data is None or canonical(data) != message:  # signed, but not by our canonical writer
        return Check(TAMPERED, data, signer)
    return Check(VALID, data, signer)
