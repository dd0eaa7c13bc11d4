"""The certificates' keys: the Ed25519 key that signs, and the public keys that verify.

The signing key comes from CERTIFICATE_SIGNING_KEY; development and tests generate one once into
the instance folder. Former keys stay accepted for verification through CERTIFICATE_VERIFY_KEYS."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.certificates import signing
from app.errors import DomainError

log = logging.getLogger(__name__)


def signing_key():
    """The configured Ed25519 key. Development and tests generate one once into the instance
    folder (like the secret key); production refuses to issue without CERTIFICATE_SIGNING_KEY."""
    text = current_app.config.get("CERTIFICATE_SIGNING_KEY")
    if not text:
        if current_app.config.get("ENV_NAME") == "production":
            log.error("CERTIFICATE_SIGNING_KEY is not set: certificates cannot be issued")
            raise DomainError(_("Zertifikate können derzeit nicht ausgestellt werden: Der Signaturschlüssel ist nicht eingerichtet."))
        text = _instance_signing_key(Path(current_app.instance_path))
        current_app.config["CERTIFICATE_SIGNING_KEY"] = text
    return _load_key(text)


@lru_cache(maxsize=4)
def _load_key(text: str):
    return signing.load_private_key(text)


def _instance_signing_key(instance: Path) -> str:
    path = instance / "certificate_signing_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = signing.generate_private_key()
    path.write_text(key)
    path.chmod(0o600)
    return key


def known_public_keys() -> dict:
    """key id → public key: the current signing key's and the former ones still accepted."""
    keys = {}
    text = current_app.config.get("CERTIFICATE_SIGNING_KEY")
    if text or current_app.config.get("ENV_NAME") != "production":
        key = signing_key().public_key()
        keys[signing.key_id(key)] = key
    for entry in (current_app.config.get("CERTIFICATE_VERIFY_KEYS") or "").split(","):
        if entry.strip():
            public = signing.load_public_key(entry)
            keys[signing.key_id(public)] = public
    return keys
