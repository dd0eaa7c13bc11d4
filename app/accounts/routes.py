from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.accounts import services
from app.accounts.forms import ForgotPasswordForm, LoginForm, LogoutEverywhereForm, NewPasswordForm
from app.accounts.models import User
from app.accounts.passwords import PasswordCheckBusy
from app import navigation
from app.audit import services as audit
from app.core import safe_next
from app.errors import DomainError
from app.extensions import db, limiter

bp = Blueprint("accounts", __name__)

DEMO_EMAILS = ("learner@example.org", "trainer@example.org", "agency@example.org", "admin@example.org")


def _demo_logins() -> list[str]:
    present = db.session.scalars(select(User.email).where(User.email.in_(DEMO_EMAILS))).all()
    return [email for email in DEMO_EMAILS if email in present]


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


@bp.route("/anmelden", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except PasswordCheckBusy as busy:  # the email stays in the form; nothing was checked
            return render_template("accounts/login.html", form=form, busy=busy.description), 503, {"Retry-After": "5"}
        if user is not None:
            services.start_session(user)
            audit.record("login", actor=user, obj=user)
            db.session.commit()
            lang = session.get("lang")
            session.clear()  # a fresh session on login
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("core.index")))
        failed = True
        known = services.find_user(form.email.data)
        audit.record("login_failed", actor=known, object_type="users", object_id=known.id if known else None,
                     email=form.email.data[:254] if known is None else None)
        db.session.commit()
    elif request.method == "POST":
        failed = not form.errors.get("csrf_token")
    demo = _demo_logins()
    return render_template(
        "accounts/login.html", form=form, failed=failed, demo_logins=demo,
        demo_password=current_app.config["DEMO_PASSWORD"] if demo else None,
    ), (200 if not failed else 401)


@bp.post("/abmelden")
@login_required
def logout():
    """Ends this browser's session on the server too: a copy of the cookie opens nothing afterwards."""
    services.end_session(current_user)
    audit.record("logout", actor=current_user, obj=current_user)
    db.session.commit()
    id_token = session.get("oidc_id_token")
    logout_user()
    session.clear()
    flash(_("Sie sind abgemeldet."), "info")
    from app.sso import end_session_url

    # Signed in through the provider: end the session there too, if it offers RP-initiated logout
    return redirect(end_session_url(id_token) or url_for("accounts.login"))


@bp.post("/abmelden/ueberall")
@login_required
def logout_everywhere():
    """Ends every session of the user: other browsers, devices and copied cookies."""
    form = LogoutEverywhereForm()
    if not form.validate_on_submit():
        abort(400)
    services.end_all_sessions(current_user)
    audit.record("logout", actor=current_user, obj=current_user, everywhere=True)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Sie sind auf allen Geräten abgemeldet."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("Wenn ein Konto mit dieser Adresse besteht, haben wir Ihnen einen Link geschickt. Er ist begrenzt gültig und nur einmal verwendbar."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/passwort-neu/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if len(token) > 100:
        abort(404)
    form = NewPasswordForm()
    valid = services.find_reset_token(token) is not None
    if valid and form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
            audit.record("password_changed", actor=user, obj=user, via="reset link")
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            logout_user()
            flash(_("Ihr Passwort ist gespeichert. Bitte melden Sie sich an."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, valid=valid), (200 if valid else 410)


@bp.route("/profil", methods=["GET", "POST"])
@login_required
def profile():
    """The learner's own profile: name, municipality, district (AGS) — the Land follows."""
    from app.accounts.forms import ProfileForm

    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.name.data, form.municipality.data, form.district_ags.data or None, form.position.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Ihr Profil ist gespeichert."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, logout_everywhere_form=LogoutEverywhereForm())


navigation.register("accounts.profile", lambda: _("Mein Profil"), {"learner", "trainer", "agency", "admin"}, order=90)
