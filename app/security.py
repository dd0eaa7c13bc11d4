"""Who may do what: roles, the role_required() decorator and object-level checks.

Views ask these functions; templates get booleans, never rules."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, TimestampSigner
from flask_login import current_user

from app.accounts.models import Role, User
from app.extensions import db, login_manager


def role_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_view_enrolment(user: User, enrolment) -> bool:
    """The learner themself, the cohort's trainers, and admins."""
    if user.role == Role.ADMIN:
        return True
    if enrolment.user_id == user.id:
        return True
    return user.role == Role.TRAINER and any(t.id == user.id for t in enrolment.cohort.trainers)


def can_take_part_in_cohort(user: User, cohort) -> bool:
    """Sessions and discussions of a cohort: its active or finished learners, its trainers, admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN or (user.role == Role.TRAINER and any(t.id == user.id for t in cohort.trainers)):
        return True
    from sqlalchemy import select

    from app.cohorts.models import Enrolment, EnrolmentStatus

    return db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id,
            Enrolment.status.in_((EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)),
        ).limit(1)
    ) is not None


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session holds "<user id>:<login session key>"; the user loads only while that login
    session exists (signing out, "überall abmelden" and a new password delete it)."""
    from app.accounts.services import load_session_user

    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or not key or len(key) > 100:
        return None
    return load_session_user(int(user_id), key, current_app.permanent_session_lifetime)


# Flask-WTF signs the session's random CSRF token anew on every page (HMAC, JSON, zlib, base64 —
# the same work as the session cookie). With WTF_CSRF_TIME_LIMIT = None a signed token never
# expires, so every page of a session can carry the one signed first: kept per process, by
# secret key and session token (so a new session, or a new secret key, signs anew), bounded.
_SIGNED_CSRF: dict[tuple[str, str], str] = {}
_MAX_SIGNED_CSRF = 2048


def csrf_token() -> str:
    """This session's signed CSRF token for the page's forms (what flask_wtf.csrf.generate_csrf
    returns), signed once per session token instead of once per page."""
    from flask_wtf.csrf import generate_csrf

    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    if config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    raw = session.get(field)
    signed = _SIGNED_CSRF.get((secret, raw)) if raw is not None else None
    if signed is not None:
        setattr(g, field, signed)  # forms on the page (generate_csrf) take it from here
        return signed
    # Signed now — also when this request gave the session its token, so the session's first page
    # and every later one carry the same signed token (a later signing a second on would differ).
    signed = generate_csrf()
    if len(_SIGNED_CSRF) >= _MAX_SIGNED_CSRF:
        _SIGNED_CSRF.clear()
    _SIGNED_CSRF[(secret, session[field])] = signed
    return signed


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


_PLAIN = frozenset((str, int, float, bool, type(None)))  # values a cached session may share


class _KeyCachingSigner(TimestampSigner):
    """itsdangerous' signer, with the signing key derived from a secret key once per process
    instead of on every signature (an HMAC of the salt under the secret key: reading the session
    cookie and writing it again each request did it twice). The derived key depends only on the
    secret key, the salt, the derivation and the digest — all in the cache key."""

    _derived: dict[tuple, bytes] = {}
    _MAX_DERIVED = 64

    def derive_key(self, secret_key=None) -> bytes:
        key = (self.secret_keys[-1] if secret_key is None else secret_key, self.salt, self.key_derivation, self.digest_method)
        derived = self._derived.get(key)
        if derived is None:
            derived = super().derive_key(secret_key)
            if len(self._derived) >= self._MAX_DERIVED:
                self._derived.clear()
            self._derived[key] = derived
        return derived


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its serializer built once per secret key instead of on
    every request, and its signing key derived once (the signing itself is the same).

    A cookie this process has verified is not verified again: the session is not permanent, so
    Flask writes the cookie only when the session changes, and a signed-in person sends the same
    bytes with every page until then. Reading it (base64, HMAC, zlib, tagged JSON) was about a third
    of a hello world per request (docs/performance.md, "Seventh round"). The cookie's value is the
    key, so only the exact bytes of a cookie that passed the check hit. An entry holds the
    serializer that verified it (a new secret key, or a fallback dropped, builds a new one: no
    hit), the signature's time (the age is checked on every hit, by the signer's clock, as
    itsdangerous checks it) and the data — only sessions of plain values (text, numbers, None),
    which each request copies, so that a change in one request never reaches the next. Bounded;
    cleared when full."""

    _cached: tuple | None = None
    _MAX_OPENED = 2048

    def __init__(self) -> None:
        self._opened: dict[str, tuple] = {}  # cookie → (serializer, signed at, data)

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        opened = self._opened.get(value)
        if opened is not None and opened[0] is serializer:
            age = self._cached[2].get_timestamp() - opened[1]  # the signer's clock, as when it verifies
            return self.session_class(opened[2] if 0 <= age <= max_age else ())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(type(item) in _PLAIN for item in data.values()):
            if len(self._opened) >= self._MAX_OPENED:
                self._opened.clear()
            self._opened[value] = (serializer, int(signed_at.timestamp()), dict(data))
        return self.session_class(data)

    def save_session(self, app, session, response) -> None:
        # Flask's, except on the requests that write no cookie (the session is unchanged since its
        # cookie was written: most pages), which only need "Vary: Cookie" — set straight on the
        # headers when there is no Vary yet, instead of parsing the header into a set and back
        # (Response.vary) and reading the seven cookie settings first.
        if session and not self.should_set_cookie(app, session):
            if session.accessed:
                if "Vary" in response.headers:
                    response.vary.add("Cookie")
                else:
                    response.headers["Vary"] = "Cookie"
            return
        super().save_session(app, session, response)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is None or cached[0] != keys:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                serializer.signer = _KeyCachingSigner
            cached = self._cached = (keys, serializer, serializer.make_signer() if serializer is not None else None)
        return cached[1]


def register_security(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    app.session_interface = _SessionInterface()
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config["ENV_NAME"] == "production":
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    names = frozenset(name.lower() for name, _value in headers)

    _check_csrf_only_on_methods_it_covers(app)

    @app.after_request
    def security_headers(response):
        # Each header unless the view set its own: one look at the response's headers, not one per header.
        present = {name.lower() for name, _value in response.headers.items()} & names
        response.headers.extend([(name, value) for name, value in headers if name.lower() not in present] if present else headers)
        return response


def _check_csrf_only_on_methods_it_covers(app) -> None:
    """Flask-WTF's before_request check (1.3) first works out whether the view is exempt (the
    blueprint, the view function, its dotted name) and only then whether the method needs a token
    at all (WTF_CSRF_METHODS: POST, PUT, PATCH, DELETE) — about 35 Python calls on every GET that
    end in "nothing to check". The check now runs for the methods it covers and as before for them:
    exemptions, token, referrer. If Flask-WTF's hook is not found (another version), it stays."""
    hooks = app.before_request_funcs.get(None, [])
    for n, hook in enumerate(hooks):
        if getattr(hook, "__qualname__", "") == "CSRFProtect.init_app.<locals>.csrf_protect" and hook.__module__ == "flask_wtf.csrf":
            config = app.config

            def csrf_protect(check=hook):
                if request.method in config["WTF_CSRF_METHODS"]:
                    return check()
                return None

            hooks[n] = csrf_protect
            return
