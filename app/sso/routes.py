"""Single sign-on pages: start at the provider, come back, and the end-session address for logout.

Authlib, joserfc and requests are imported in the views that use them, not at the top: without
OIDC_ISSUER no worker loads them (about 10 MiB of a web worker's memory, docs/performance.md)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.accounts.services import start_session
from app.audit import services as audit
from app.core import safe_next
from app.db import begin_writes
from app.errors import DomainError
from app.extensions import db
from app.sso import client as oidc
from app.sso.services import NotAssigned, resolve_identity

bp = Blueprint("sso", __name__)

ID_TOKEN_KEY = "oidc_id_token"  # kept in the signed session cookie for RP-initiated logout
NEXT_KEY = "oidc_next"


def init_app(app: Flask) -> None:
    """Registers the client when OIDC_ISSUER is set; the blueprint is registered always, its
    routes answer 404 without the setting."""
    if oidc.configured(app):
        oidc.register(app)
    from app.sso.subscribers import subscribe

    subscribe()  # always: links made while OIDC was configured are erased and exported later too

    @app.after_request
    def _logout_may_continue_at_the_provider(response):
        """The logout form's answer redirects to the provider's end-session endpoint; browsers
        check that redirect against the page's CSP form-action, so the provider's origin is added
        (runs after app.security's headers: registered before them)."""
        csp = response.headers.get("Content-Security-Policy")
        if csp and oidc.configured(app):
            origins = " ".join(sorted(_provider_origins(app)))
            response.headers["Content-Security-Policy"] = csp.replace("form-action 'self'", f"form-action 'self' {origins}")
        return response

    @app.context_processor
    def _sso_button():
        return {"sso_button_label": app.config["OIDC_BUTTON_LABEL"] if oidc.configured(app) else None}


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _provider_origins(app: Flask) -> set[str]:
    """The issuer's origin and, once discovery has been read, the end-session endpoint's."""
    origins = {_origin(app.config["OIDC_ISSUER"])}
    client = app.extensions.get("sso_client")
    if client is not None and client.server_metadata.get("end_session_endpoint"):
        origins.add(_origin(client.server_metadata["end_session_endpoint"]))
    return {origin for origin in origins if origin}


def _require_configured() -> None:
    if not oidc.configured():
        abort(404)


def _failure(message: str, reason: str):
    """No login; a German message on the login page and a line in the audit log."""
    begin_writes()
    audit.record("login_failed", via="oidc", reason=reason[:200])
    db.session.commit()
    flash(message, "error")
    return redirect(url_for("accounts.login"))


# No rate limit of their own: no password is checked here (the provider does that), and a whole
# town hall behind one address signs on at nine o'clock.
@bp.get("/anmelden/sso")
def start():
    _require_configured()
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    session[NEXT_KEY] = safe_next(request.args.get("next"), url_for("core.index"))
    from authlib.common.errors import AuthlibBaseError
    from requests import RequestException

    try:
        metadata = oidc.client().load_server_metadata()
        if str(metadata.get("issuer", "")).rstrip("/") != current_app.config["OIDC_ISSUER"].rstrip("/"):
            raise ValueError("the discovery document names another issuer")  # OIDC Discovery 4.3
        return oidc.client().authorize_redirect(url_for("sso.callback", _external=True))
    except (RequestException, ValueError, AuthlibBaseError) as exc:  # discovery failed: provider down or broken
        return _failure(_("Der Anmeldedienst ist im Moment nicht erreichbar. Bitte versuchen Sie es später noch einmal oder melden Sie sich mit Ihrem Passwort an."),
                        f"provider unreachable: {type(exc).__name__}")


def _error_message(exc: Exception) -> tuple[str, str]:
    """The German message and the audit reason for what went wrong at the callback."""
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
    from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
    from requests import RequestException

    if isinstance(exc, MismatchingStateError):
        return _("Die Anmeldung konnte nicht zugeordnet werden (sie wurde in einem anderen Fenster begonnen oder ist abgelaufen). Bitte starten Sie die Anmeldung erneut."), "state mismatch"
    if isinstance(exc, ExpiredTokenError):
        return _("Die Bestätigung des Anmeldedienstes ist abgelaufen. Bitte melden Sie sich erneut an."), "id token expired"
    if isinstance(exc, (InvalidClaimError, MissingClaimError)):
        claim = getattr(exc, "claim", "") or ""
        return _("Die Bestätigung des Anmeldedienstes ist nicht für diese Plattform ausgestellt oder ungültig. Sie wurden nicht angemeldet."), f"id token claim invalid: {claim}"
    if isinstance(exc, (BadSignatureError, JoseError)):
        return _("Die Bestätigung des Anmeldedienstes ist nicht gültig signiert. Sie wurden nicht angemeldet."), f"id token rejected: {type(exc).__name__}"
    if isinstance(exc, OAuthError):
        if exc.error == "access_denied":
            return _("Die Anmeldung beim Anmeldedienst wurde abgebrochen."), "access denied"
        return _("Der Anmeldedienst hat die Anmeldung nicht bestätigt (der Link wurde vielleicht schon benutzt). Bitte starten Sie die Anmeldung erneut."), f"provider error: {exc.error}"
    if isinstance(exc, RequestException):
        return _("Der Anmeldedienst ist im Moment nicht erreichbar. Bitte versuchen Sie es später noch einmal oder melden Sie sich mit Ihrem Passwort an."), f"provider unreachable: {type(exc).__name__}"
    return _("Die Anmeldung über den Anmeldedienst ist fehlgeschlagen. Sie wurden nicht angemeldet."), f"failed: {type(exc).__name__}"


@bp.get("/anmelden/sso/rueckkehr")
def callback():
    _require_configured()
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError
    from requests import RequestException

    client = oidc.client()
    try:
        # checks state, exchanges the code (PKCE), checks the ID token's signature, nonce, iss, exp —
        # and aud, which Authlib checks only when asked (without it only azp would be compared)
        token = client.authorize_access_token(claims_options={
            "iss": {"essential": True, "value": client.load_server_metadata()["issuer"]},
            "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
        })
    except (AuthlibBaseError, JoseError, RequestException, ValueError) as exc:
        message, reason = _error_message(exc)
        return _failure(message, reason)
    claims = token.get("userinfo")
    if not claims:
        return _failure(_("Der Anmeldedienst hat keine Bestätigung (ID-Token) übermittelt. Sie wurden nicht angemeldet."), "no id token")
    claims = dict(claims)
    if "email" not in claims:
        # Providers that follow the spec closely put scope claims only into the UserInfo answer
        try:
            info = client.userinfo(token=token)
        except (AuthlibBaseError, RequestException, ValueError) as exc:
            message, reason = _error_message(exc)
            return _failure(message, reason)
        if info.get("sub") == claims.get("sub"):  # OIDC Core 5.3.2: only the same subject counts
            claims.update({key: info[key] for key in ("email", "email_verified", "name") if key in info})
    issuer = claims["iss"]
    begin_writes()
    try:
        user, linked_now = resolve_identity(issuer, claims)
    except NotAssigned as exc:
        db.session.rollback()
        audit.record("login_failed", via="oidc", reason="no account", email=str(claims.get("email") or "")[:254] or None)
        db.session.commit()
        return render_template("sso/not_assigned.html", message=exc.message), 403
    except DomainError as exc:
        db.session.rollback()
        return _failure(exc.message, "account unusable")
    if linked_now:
        audit.record("sso_linked", actor=user, obj=user, issuer=issuer)
    start_session(user)
    audit.record("login", actor=user, obj=user, via="oidc")
    db.session.commit()
    lang = session.get("lang")
    target = session.get(NEXT_KEY) or url_for("core.index")
    session.clear()  # a fresh session on login
    if lang:
        session["lang"] = lang
    if token.get("id_token"):
        session[ID_TOKEN_KEY] = token["id_token"]
    login_user(user)
    return redirect(safe_next(target, url_for("core.index")))


def end_session_url(id_token: str | None) -> str | None:
    """Where logout continues: the provider's end_session_endpoint (RP-initiated logout) for a
    session signed in through it, if the provider offers one; None otherwise."""
    if not id_token or not oidc.configured():
        return None
    from requests import RequestException

    try:
        metadata = oidc.client().load_server_metadata()
    except (RequestException, ValueError):
        return None  # the local session has ended anyway
    if not metadata.get("end_session_endpoint"):
        return None
    return oidc.client().create_logout_url(
        post_logout_redirect_uri=url_for("accounts.login", _external=True), id_token_hint=id_token,
    )["url"]
