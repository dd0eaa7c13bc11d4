from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.accounts import services
from app.accounts.forms import ForgotPasswordForm, LoginForm, NewPasswordForm
from app.accounts.models import User
from app.core import safe_next
from app.errors import DomainError
from app.extensions import db

bp = Blueprint("accounts", __name__)

DEMO_EMAILS = ("learner@example.org", "trainer@example.org", "agency@example.org", "admin@example.org")


def _demo_logins() -> list[str]:
    present = db.session.scalars(select(User.email).where(User.email.in_(DEMO_EMAILS))).all()
    return [email for email in DEMO_EMAILS if email in present]


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session on login
            if lang:
                session["lang"] = lang
            login_user(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("core.index")))
        failed = True
    elif request.method == "POST":
        failed = not form.errors.get("csrf_token")
    demo = _demo_logins()
    from flask import current_app

    return render_template(
        "accounts/login.html", form=form, failed=failed, demo_logins=demo,
        demo_password=current_app.config["DEMO_PASSWORD"] if demo else None,
    ), (200 if not failed else 401)


@bp.post("/abmelden")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
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
            services.reset_password(token, form.password.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            logout_user()
            flash(_("Ihr Passwort ist gespeichert. Bitte melden Sie sich an."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, valid=valid), (200 if valid else 410)
