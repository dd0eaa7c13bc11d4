"""The learner's "Meine Daten" page (export, deletion) and the admin's account deletion."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app import navigation
from app.accounts.models import Role, User
from app.files import StorageUnavailable, get_store
from app.errors import DomainError
from app.extensions import db, limiter
from app.exports.routes import offer
from app.privacy import downloads, services
from app.privacy.forms import AdminDeleteAccountForm, DeleteOwnAccountForm, ExportForm
from app.security import role_required

bp = Blueprint("privacy", __name__)


def _password_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.get("/meine-daten")
@login_required
def index():
    return render_template("privacy/index.html", export_form=ExportForm(), delete_form=DeleteOwnAccountForm())


@bp.post("/meine-daten/export")
@login_required
def download():
    if not ExportForm().validate_on_submit():
        abort(400)
    try:
        return offer(downloads.KIND, {}, _("Meine Daten (ZIP)"), estimate=downloads.file_total(current_user))
    except StorageUnavailable:
        db.session.rollback()
        current_app.logger.exception("file store unavailable for a data export")
        flash(_("Ihre Daten konnten gerade nicht zusammengestellt werden, weil der Dateispeicher nicht erreichbar ist. "
                "Bitte versuchen Sie es in ein paar Minuten noch einmal."), "error")
        return redirect(url_for("privacy.index"))


@bp.post("/meine-daten/loeschen")
@limiter.limit(_password_limit)
@login_required
def delete_own():
    form = DeleteOwnAccountForm()
    if form.validate_on_submit():
        try:
            services.check_password(current_user, form.password.data)
            keys = services.delete_account(current_user, deleted_by=current_user, by="self")
        except DomainError as exc:
            db.session.rollback()
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            services.remove_files(get_store(), keys)
            logout_user()
            session.clear()
            flash(_("Ihr Konto ist gelöscht. Ihre persönlichen Daten wurden entfernt."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("privacy/index.html", export_form=ExportForm(), delete_form=form), 422


@bp.route("/admin/benutzer/<int:user_id>/loeschen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete_account(user_id: int):
    user = db.get_or_404(User, user_id)
    if services.is_deleted(user):
        abort(404)
    if user.id == current_user.id:
        flash(_("Ihr eigenes Konto löschen Sie unter „Meine Daten“."), "info")
        return redirect(url_for("privacy.index"))
    form = AdminDeleteAccountForm()
    if form.validate_on_submit():
        if form.email.data.strip().lower() != user.email:
            form.email.errors.append(_("Die E-Mail-Adresse stimmt nicht mit dem Konto überein."))
        else:
            try:
                keys = services.delete_account(user, deleted_by=current_user, by="admin")
            except DomainError as exc:
                db.session.rollback()
                form.email.errors.append(exc.message)
            else:
                db.session.commit()
                services.remove_files(get_store(), keys)
                flash(_("Das Konto ist gelöscht; die persönlichen Daten wurden entfernt."), "success")
                return redirect(url_for("admin.users"))
    status = 422 if request.method == "POST" else 200
    return render_template("privacy/delete_account.html", user=user, form=form), status


navigation.register("privacy.index", lambda: _("Meine Daten"), {"learner", "trainer", "agency", "admin"}, order=92)
