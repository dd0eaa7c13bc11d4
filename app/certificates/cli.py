from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

cli = AppGroup("certificates", help="Issued certificates.")

EXIT_CODES = {"valid": 0, "tampered": 1, "unknown key": 2, "unsigned": 3}


@cli.command("render")
@click.argument("number")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True)
def render_command(number: str, output: Path) -> None:
    """Render the issued certificate NUMBER to a PDF file."""
    from app.certificates.documents import render_pdf
    from app.certificates.models import Certificate
    from app.extensions import db

    certificate = db.session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        click.echo(f"no certificate {number}", err=True)
        sys.exit(1)
    output.write_bytes(render_pdf(certificate))
    click.echo(f"{output} written")


@cli.command("credential")
@click.argument("code")
def credential_command(code: str) -> None:
    """Print the Open Badges 3.0 credential (a signed JWT) of the certificate with verification CODE
    (a code issued before 2026-12-06 may begin with "-": give it after "--")."""
    from app.certificates.models import Certificate
    from app.certificates.openbadges import credential_jwt
    from app.extensions import db

    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None:
        click.echo(f"no certificate with code {code}", err=True)
        sys.exit(1)
    click.echo(credential_jwt(certificate))


@cli.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(pdf: Path) -> None:
    """Check a certificate PDF or an Open Badges credential file offline against the signing
    keys: valid, tampered, unknown key or unsigned (exit codes 0, 1, 2, 3). Needs no database and
    no network, so it does not see a revocation: the credential's status list does."""
    from app.certificates.verification import check_pdf

    with pdf.open("rb") as file:
        head = file.read(64).lstrip()
    if head.startswith((b"eyJ", b"{")):  # a JWT (its header is base64url of '{"'), or a bare credential
        _verify_credential(pdf)
    result = check_pdf(pdf)
    click.echo(f"{pdf}: {result.status}")
    if result.data and result.status == "valid":
        data = result.data
        click.echo(f"  {data.get('number')} · {data.get('name')} · {data.get('course_title')} · {data.get('issued_on')}")
        click.echo(f"  signed with key {result.key_id}; online status: {data.get('verify_url')}")
    elif result.status == "unknown key":
        click.echo(f"  signed with key {result.key_id}, which is not among the configured keys", err=True)
    sys.exit(EXIT_CODES[result.status])


def _verify_credential(path: Path) -> None:
    from app.certificates.openbadges import check_credential

    result = check_credential(path.read_text(encoding="ascii", errors="replace"))
    click.echo(f"{path}: {result.status}")
    data = result.credential or {}
    if result.status == "valid":
        subject = data.get("credentialSubject", {})
        names = [i.get("identityHash") for i in subject.get("identifier", []) if i.get("identityType") == "name"]
        click.echo(f"  Open Badges credential · {names[0] if names else '(name erased)'} · "
                   f"{subject.get('achievement', {}).get('name')} · valid from {data.get('validFrom')}"
                   + (f" until {data['validUntil']}" if data.get("validUntil") else ""))
        click.echo(f"  signed with key {result.key_id}; revocation: {data.get('credentialStatus', {}).get('statusListCredential')}"
                   f" index {data.get('credentialStatus', {}).get('statusListIndex')}")
    elif result.status == "unknown key":
        click.echo(f"  signed with key {result.key_id}, which is not among the configured keys", err=True)
    sys.exit(EXIT_CODES[result.status])


@cli.command("generate-key")
def generate_key_command() -> None:
    """Print a new Ed25519 signing key for CERTIFICATE_SIGNING_KEY (keep it secret) and its public key."""
    from app.certificates import signing

    private = signing.generate_private_key()
    key = signing.load_private_key(private)
    click.echo(f"CERTIFICATE_SIGNING_KEY={private}")
    click.echo(f"# public key (for CERTIFICATE_VERIFY_KEYS after a key change): {signing.public_key_text(key)}")
    click.echo(f"# key id: {signing.key_id(key)}")
