"""Where a finished message goes: the mail transports, one interface, chosen by configuration.

    MAIL_TRANSPORT=smtp       over SMTP to MAIL_SERVER:MAIL_PORT (MAIL_USE_TLS, MAIL_USERNAME/PASSWORD)
    MAIL_TRANSPORT=directory  as .eml files into MAIL_DIR, for development (read a reset link there)
    unset                     smtp when MAIL_SERVER is set, directory otherwise (the old behaviour)

A transport has one method, `send(message, mail_id)`, and one way to fail: `DeliveryError`.
`deliver_pending` (services.py) records it on the queued mail, which stays queued for the next
run. Both transports pass the same contract tests (tests/core/test_mail_transports.py): a
message arrives with its headers, attachments and UTF-8 body, and a failure is a DeliveryError.
A new transport (an HTTP mail API, say) is a class with `send` and `from_config`, added to
TRANSPORTS, and a parameter of those tests."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Callable, Mapping, Protocol

from app import clock


class DeliveryError(OSError):
    """The transport could not hand the message over (server unreachable or refusing, folder not
    writable). The message of the error names the cause, e.g. `ConnectionRefusedError: …`.

    An OSError, as every hand-over failure is one at heart; deliver_pending logs it as a warning
    (an expected, retried failure), unlike a bug in building the message."""


class MailTransport(Protocol):
    def send(self, message: EmailMessage, mail_id: int) -> None:
        """Hands the message over, or raises DeliveryError. `mail_id` (the queued row) names the
        message in files and logs."""


def _failed(exc: Exception) -> DeliveryError:
    return DeliveryError(f"{type(exc).__name__}: {exc}")


class SmtpTransport:
    def __init__(self, host: str, port: int = 25, *, username: str | None = None, password: str | None = None,
                 use_tls: bool = False, timeout: float = 10):
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password, self.use_tls = username, password, use_tls

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpTransport:
        if not config.get("MAIL_SERVER"):
            raise ValueError("MAIL_TRANSPORT=smtp needs MAIL_SERVER")
        return cls(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), username=config.get("MAIL_USERNAME"),
                   password=config.get("MAIL_PASSWORD"), use_tls=bool(config.get("MAIL_USE_TLS")))

    def send(self, message: EmailMessage, mail_id: int) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.use_tls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise _failed(exc) from exc


class DirectoryTransport:
    """One `<UTC time>-<mail id>.eml` file per message, written under a temporary name and
    renamed, so a reader never sees half a message; file names sort oldest first."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    @classmethod
    def from_config(cls, config: Mapping) -> DirectoryTransport:
        if not config.get("MAIL_DIR"):
            raise ValueError("MAIL_TRANSPORT=directory needs MAIL_DIR")
        return cls(config["MAIL_DIR"])

    def send(self, message: EmailMessage, mail_id: int) -> None:
        path = self.folder / f"{clock.now():%Y%m%dT%H%M%S}-{mail_id:06d}.eml"
        tmp = path.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(bytes(message))
            tmp.replace(path)
        except OSError as exc:
            raise _failed(exc) from exc


TRANSPORTS: dict[str, Callable[[Mapping], MailTransport]] = {
    "smtp": SmtpTransport.from_config,
    "directory": DirectoryTransport.from_config,
}


def transport_from_config(config: Mapping) -> MailTransport:
    """The transport MAIL_TRANSPORT names; without it, SMTP if MAIL_SERVER is set, else MAIL_DIR."""
    name = (config.get("MAIL_TRANSPORT") or ("smtp" if config.get("MAIL_SERVER") else "directory")).lower()
    if name not in TRANSPORTS:
        raise ValueError(f"MAIL_TRANSPORT must be one of {', '.join(sorted(TRANSPORTS))}, not {name!r}")
    return TRANSPORTS[name](config)
