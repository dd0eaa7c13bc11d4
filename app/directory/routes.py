"""The directory: search (certified managers, agency, admins), and one's own entry."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app import navigation
from app.accounts.forms import district_choices, land_choices
from app.directory import queries, services
from app.directory.access import can_list_self, search_scope
from app.directory.forms import EntryForm, SearchForm, WithdrawForm
from app.errors import DomainError
from app.extensions import db
from app.regions import LAENDER, district

bp = Blueprint("directory", __name__)
navigation.register("directory.search", lambda: _("Netzwerk"), {"learner", "trainer", "agency", "admin"}, order=60)


@bp.get("/netzwerk")
@login_required
def search():
    allowed, scope = search_scope(current_user)
    own_entry = services.entry_of(current_user)
    if not allowed:
        return render_template("directory/closed.html", may_list=can_list_self(current_user), own_entry=own_entry)
    form = SearchForm(request.args)
    if scope is not None:
        form.land.choices = [SelectChoice("", _("alle meine Länder")), *land_choices(c for c in sorted(scope) if c in LAENDER)]
        form.district_ags.choices = district_choices(scope)
    entries = []
    if form.validate():
        entries = queries.search(scope, land=form.land.data or None, district_ags=form.district_ags.data or None,
                                 topic=form.topic.data)
    return render_template(
        "directory/search.html", form=form, entries=entries, scope=scope, scope_names=[LAENDER[c] for c in sorted(scope or ()) if c in LAENDER], topics=queries.known_topics(scope),
        may_list=can_list_self(current_user), own_entry=own_entry, district_of=district, limit=queries.PAGE_SIZE,
    )


@bp.route("/netzwerk/mein-eintrag", methods=["GET", "POST"])
@login_required
def entry():
    if not can_list_self(current_user):
        abort(403)
    existing = services.entry_of(current_user)
    form = EntryForm(obj=existing)
    if request.method == "GET" and existing is None:
        form.name.data = current_user.name
        form.municipality.data = current_user.municipality
        form.district_ags.data = current_user.district_ags
        form.position.data = current_user.position
        form.contact_email.data = current_user.email
    if request.method == "GET":
        form.consent.data = False  # consent is given anew with every change
    if form.validate_on_submit():
        try:
            services.publish_entry(
                current_user, consent=form.consent.data, name=form.name.data, municipality=form.municipality.data,
                district_ags=form.district_ags.data, position=form.position.data, topics=form.topics.data,
                contact_email=form.contact_email.data,
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Ihr Eintrag ist im Netzwerk sichtbar."), "success")
            return redirect(url_for("directory.entry"))
    return render_template("directory/entry.html", form=form, existing=existing, withdraw_form=WithdrawForm())


@bp.post("/netzwerk/mein-eintrag/widerrufen")
@login_required
def withdraw():
    if not WithdrawForm().validate_on_submit():
        abort(400)
    removed = services.withdraw_entry(current_user)
    db.session.commit()
    flash(_("Ihre Einwilligung ist widerrufen, Ihr Eintrag gelöscht.") if removed else _("Sie hatten keinen Eintrag."), "success")
    return redirect(url_for("directory.search"))
