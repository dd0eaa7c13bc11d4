"""Admin pages: users (search, role, active, an agency user's Länder), settings, course import."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app import navigation
from app.accounts.models import Role, User
from app.admin import services
from app.admin.forms import ActiveForm, CourseImportForm, LandsForm, RetryJobForm, RoleForm, SettingsForm
from app.admin.models import AgencyScope
from app.errors import DomainError
from app.extensions import db
from app.regions import LAENDER
from app.security import role_required

bp = Blueprint("admin", __name__)
navigation.register("admin.users", lambda: _("Benutzer"), {"admin"}, order=70)
navigation.register("admin.courses", lambda: _("Kursimport"), {"admin"}, order=75)
navigation.register("admin.jobs", lambda: _("Hintergrundaufträge"), {"admin"}, order=80)
navigation.register("admin.settings", lambda: _("Einstellungen"), {"admin"}, order=85)
PAGE_SIZE = 50


def role_labels() -> dict[str, str]:
    return {"learner": _("Lernende:r"), "trainer": _("Trainer:in"), "agency": _("Agentur"), "admin": _("Administration")}


@bp.get("/admin/benutzer")
@role_required(Role.ADMIN)
def users():
    q = (request.args.get("q") or "").strip()[:200]
    role = request.args.get("rolle", "")
    page = max(request.args.get("seite", 1, type=int) or 1, 1)
    query = select(User)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.email).like(pattern), func.lower(User.name).like(pattern),
                                func.lower(User.municipality).like(pattern)))
    if role in role_labels():
        query = query.where(User.role == Role(role))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    found = db.session.scalars(query.order_by(User.name, User.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    lands: dict[int, list[str]] = {}
    for user_id, land in db.session.execute(select(AgencyScope.user_id, AgencyScope.land)
                                            .where(AgencyScope.user_id.in_([u.id for u in found])).order_by(AgencyScope.land)):
        lands.setdefault(user_id, []).append(LAENDER.get(land, land))
    return render_template("admin/users.html", users=found, q=q, role=role, page=page, total=total,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), roles=role_labels(), lands=lands, laender=LAENDER)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/benutzer/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user(user_id: int):
    user = _user_or_404(user_id)
    role_form = RoleForm(prefix="role", data={"role": user.role.value})
    active_form = ActiveForm(prefix="active")
    lands_form = LandsForm(prefix="lands", data={"lands": services.agency_lands(user)})
    if request.method == "POST":
        try:
            if role_form.submit_role.data and role_form.validate():
                if services.change_role(user, Role(role_form.role.data), current_user):
                    flash(_("Die Rolle von %(name)s ist jetzt „%(role)s“.", name=user.name, role=role_labels()[user.role.value]), "success")
            elif active_form.submit_active.data and active_form.validate():
                if services.set_active(user, not user.active, current_user):
                    flash(_("Das Konto ist jetzt aktiv.") if user.active else _("Das Konto ist jetzt deaktiviert."), "success")
            elif lands_form.submit_lands.data and lands_form.validate():
                if services.set_agency_laender(user, lands_form.lands.data or [], current_user):
                    flash(_("Die Länder wurden gespeichert."), "success")
            else:
                return render_template("admin/user.html", user=user, role_form=role_form, active_form=active_form,
                                       lands_form=lands_form, roles=role_labels(), laender=LAENDER), 400
        except DomainError as exc:
            flash(exc.message, "error")
            db.session.rollback()
            return redirect(url_for("admin.user", user_id=user.id))
        db.session.commit()
        return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/user.html", user=user, role_form=role_form, active_form=active_form, lands_form=lands_form,
                           roles=role_labels(), laender=LAENDER)


@bp.route("/admin/einstellungen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    form = SettingsForm(data={"register_shows_names": services.setting_enabled("register_shows_names")})
    if form.validate_on_submit():
        changed = services.set_setting("register_shows_names", "1" if form.register_shows_names.data else "0", current_user)
        db.session.commit()
        flash(_("Die Einstellungen wurden gespeichert.") if changed else _("Nichts geändert."), "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form)


@bp.route("/admin/kurse", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def courses():
    form = CourseImportForm()
    path = Path(current_app.config["COURSES_DIR"])
    result = None
    if form.validate_on_submit():
        if form.run_import.data:
            reports, problems = services.import_courses(path, current_user)
            failed = any(p.severity == "error" for p in problems)
            if failed:
                db.session.rollback()
            else:
                db.session.commit()
            result = {"mode": "import", "reports": reports, "problems": problems, "failed": failed}
        else:
            found, problems = services.validate_courses(path)
            result = {"mode": "validate", "courses": found, "problems": problems,
                      "failed": any(p.severity == "error" for p in problems)}
    from app.catalogue.models import Course

    imported = db.session.scalars(select(Course).order_by(Course.title)).all()
    return render_template("admin/courses.html", form=form, path=path, result=result, imported=imported)


@bp.route("/admin/auftraege", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def jobs():
    """Background jobs that failed JOBS_MAX_RETRIES times (the Redis queue's failed list), each
    with "Erneut versuchen". Without Redis, jobs run in the web server and no list exists."""
    from app.audit import services as audit
    from app.jobs import backend_for

    backend = backend_for(current_app)
    form = RetryJobForm()
    if backend is not None and form.validate_on_submit():
        job = backend.requeue(form.job_id.data)
        if job is None:
            flash(_("Dieser Auftrag steht nicht mehr in der Liste – er wurde wohl schon erneut gestartet."), "info")
        else:
            audit.record("job_retried", actor=current_user, object_type="job", object_id=job.task, args=job.args, error=job.error)
            db.session.commit()
            flash(_("Der Auftrag „%(task)s“ wurde erneut in die Warteschlange gestellt.", task=job.task), "success")
        return redirect(url_for("admin.jobs"))
    if request.method == "POST":
        abort(400)
    failed = backend.failed() if backend is not None else []
    stats = backend.stats() if backend is not None else None
    return render_template("admin/jobs.html", backend=backend, failed=failed, stats=stats, form=form)
