"""Discussion pages: the spaces of a cohort (one per module), threads, posts, moderation."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import clock, navigation
from app.discussions import queries, services
from app.discussions.access import (
    can_moderate, cohort_or_404, module_or_404, post_or_404, readable_cohorts, thread_or_404,
)
from app.discussions.forms import ActionForm, EditForm, ReplyForm, ReportForm, SettingsForm, ThreadForm
from app.catalogue.markdown import render_user_markdown
from app.errors import DomainError
from app.extensions import db

bp = Blueprint("discussions", __name__)
navigation.register("discussions.index", lambda: _("Diskussionen"), {"learner", "trainer", "admin"}, order=40)


@bp.app_template_filter("user_markdown")
def _user_markdown(text: str):
    return render_user_markdown(text)


@bp.get("/diskussionen")
@login_required
def index():
    cohorts = db.session.scalars(readable_cohorts(current_user)).all()
    return render_template("discussions/index.html", cohorts=cohorts)


@bp.get("/kohorten/<int:cohort_id>/diskussionen")
@login_required
def cohort(cohort_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    moderator = can_moderate(current_user, cohort)
    return render_template(
        "discussions/cohort.html", cohort=cohort, modules=cohort.course.active_modules,
        counts=queries.thread_counts(cohort, include_hidden=moderator), moderator=moderator,
        reports=queries.open_reports(cohort) if moderator else [], action_form=ActionForm(),
    )


@bp.route("/kohorten/<int:cohort_id>/diskussionen/<int:module_id>", methods=["GET", "POST"])
@login_required
def space(cohort_id: int, module_id: int):
    cohort = cohort_or_404(current_user, cohort_id)
    module = module_or_404(cohort, module_id)
    moderator = can_moderate(current_user, cohort)
    form = ThreadForm()
    if form.validate_on_submit():
        try:
            thread = services.start_thread(cohort, module, current_user, form.title.data, form.body.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Thema eröffnet."), "success")
            return redirect(url_for("discussions.thread", thread_id=thread.id))
    return render_template(
        "discussions/space.html", cohort=cohort, module=module, form=form, moderator=moderator,
        threads=queries.threads(cohort, module.id, include_hidden=moderator),
    )


@bp.route("/diskussionen/themen/<int:thread_id>", methods=["GET", "POST"])
@login_required
def thread(thread_id: int):
    thread = thread_or_404(current_user, thread_id)
    moderator = can_moderate(current_user, thread.cohort)
    form = ReplyForm()
    may_reply = moderator or not thread.locked
    if form.validate_on_submit():
        if not may_reply:
            abort(403)
        try:
            post = services.reply(thread, current_user, form.body.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Antwort veröffentlicht."), "success")
            return redirect(url_for("discussions.thread", thread_id=thread.id) + f"#beitrag-{post.id}")
    now = clock.now()
    posts = queries.visible_posts(thread, include_hidden=moderator)
    return render_template(
        "discussions/thread.html", thread=thread, cohort=thread.cohort, posts=posts, form=form, moderator=moderator,
        may_reply=may_reply, editable={p.id for p in posts if services.may_edit(p, current_user, now)},
        action_form=ActionForm(), edit_minutes=services.edit_window_minutes(),
    )


@bp.route("/diskussionen/beitraege/<int:post_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = post_or_404(current_user, post_id)
    if post.author_id != current_user.id:
        abort(403)
    form = EditForm(obj=post)
    if form.validate_on_submit():
        try:
            services.edit_post(post, current_user, form.body.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Beitrag geändert."), "success")
            return redirect(url_for("discussions.thread", thread_id=post.thread_id) + f"#beitrag-{post.id}")
    return render_template("discussions/edit.html", post=post, thread=post.thread, cohort=post.thread.cohort, form=form,
                           may_edit=services.may_edit(post, current_user))


@bp.route("/diskussionen/beitraege/<int:post_id>/melden", methods=["GET", "POST"])
@login_required
def report(post_id: int):
    post = post_or_404(current_user, post_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            services.report_post(post, current_user, form.reason.data)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Danke. Der Beitrag wurde den Trainer:innen gemeldet."), "success")
            return redirect(url_for("discussions.thread", thread_id=post.thread_id) + f"#beitrag-{post.id}")
    return render_template("discussions/report.html", post=post, thread=post.thread, cohort=post.thread.cohort, form=form)


_THREAD_ACTIONS = {
    "anheften": (services.set_pinned, True, lambda: _("Thema angeheftet.")),
    "loesen": (services.set_pinned, False, lambda: _("Thema nicht mehr angeheftet.")),
    "schliessen": (services.set_locked, True, lambda: _("Thema geschlossen.")),
    "oeffnen": (services.set_locked, False, lambda: _("Thema wieder geöffnet.")),
}


@bp.post("/diskussionen/themen/<int:thread_id>/<action>")
@login_required
def thread_action(thread_id: int, action: str):
    thread = thread_or_404(current_user, thread_id)
    if action not in _THREAD_ACTIONS or not can_moderate(current_user, thread.cohort):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    operation, value, message = _THREAD_ACTIONS[action]
    operation(thread, value, current_user)
    db.session.commit()
    flash(message(), "success")
    return redirect(url_for("discussions.thread", thread_id=thread.id))


_POST_ACTIONS = {
    "ausblenden": (lambda post, actor: services.set_hidden(post, True, actor), lambda: _("Beitrag ausgeblendet.")),
    "einblenden": (lambda post, actor: services.set_hidden(post, False, actor), lambda: _("Beitrag wieder sichtbar.")),
    "meldungen-erledigt": (services.dismiss_reports, lambda: _("Meldungen als erledigt markiert.")),
}


@bp.post("/diskussionen/beitraege/<int:post_id>/<action>")
@login_required
def post_action(post_id: int, action: str):
    post = post_or_404(current_user, post_id)
    if action not in _POST_ACTIONS or not can_moderate(current_user, post.thread.cohort):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    operation, message = _POST_ACTIONS[action]
    operation(post, current_user)
    db.session.commit()
    flash(message(), "success")
    return redirect(url_for("discussions.thread", thread_id=post.thread_id) + f"#beitrag-{post.id}")


@bp.route("/diskussionen/einstellungen", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm()
    if form.validate_on_submit():
        services.set_reply_mails(current_user, form.reply_mails.data)
        db.session.commit()
        flash(_("Einstellung gespeichert."), "success")
        return redirect(url_for("discussions.settings"))
    form.reply_mails.data = services.wants_reply_mails(current_user)
    return render_template("discussions/settings.html", form=form)
