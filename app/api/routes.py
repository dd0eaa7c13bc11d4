"""The read-only JSON API under /api/v1 (token only: a session cookie opens nothing here, so the
API needs no CSRF protection), and the page on which a user creates and revokes tokens."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from functools import wraps

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock, navigation
from app.admin.services import setting_enabled
from app.api import schemas, services
from app.api.forms import RevokeForm, TokenForm
from app.api.models import ApiToken
from app.api.openapi import GROUPS, MAX_PER_PAGE, document
from app.errors import DomainError
from app.extensions import csrf, db, limiter
from app.regions import LAENDER, district
from app.reporting import figures, publication, queries, tables
from app.reporting.access import REPORT_ROLES, can_view_reports, scope_of
from app.security import role_required

bp = Blueprint("api", __name__)
navigation.register("api.tokens", lambda: _("API-Zugang"), {"agency", "admin"}, order=45)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidParameter(Exception):
    pass


def _error(status: int, name: str, detail: str | None = None, headers: dict | None = None):
    body = {"error": name, "status": status}
    if detail:
        body["detail"] = detail
    response = jsonify(schemas.ErrorSchema().dump(body))
    response.status_code = status
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def _token_key() -> str:
    """The rate-limit key of the presented token: its SHA-256, as stored (never the token itself)."""
    return "token:" + services.hash_token(services.presented_token(request.headers.get("Authorization")) or "")


def _no_token_presented() -> bool:
    return services.presented_token(request.headers.get("Authorization")) is None


# Shared by every /api/v1 endpoint: a token cannot spread its requests over the endpoints, and an
# address cannot spread them over tokens (or try tokens) beyond its own limit. Checked before the
# token is looked up, so a flood costs no database work.
per_token_limit = limiter.shared_limit(lambda: current_app.config["API_TOKEN_RATE_LIMIT"], scope="api-token",
                                       key_func=_token_key, exempt_when=_no_token_presented)
per_address_limit = limiter.shared_limit(lambda: current_app.config["API_ADDRESS_RATE_LIMIT"], scope="api-address")


def token_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        token = services.authenticate(request.headers.get("Authorization"))
        if token is None:
            return _error(401, "Unauthorized", "A valid API token is required: Authorization: Bearer <token>.",
                          {"WWW-Authenticate": 'Bearer realm="api"'})
        if not can_view_reports(token.user):
            return _error(403, "Forbidden", "The token's owner may not see figures.")
        g.api_token = token
        services.mark_used(token)
        db.session.commit()
        try:
            return view(*args, **kwargs)
        except InvalidParameter as exc:
            return _error(400, "Bad Request", str(exc))

    return csrf.exempt(wrapped)


def _single(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise InvalidParameter(f"{name}: given more than once")
    return values[0] if values else None


def _int(name: str, default: int | None, minimum: int, maximum: int) -> int | None:
    raw = _single(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,10}", raw) or not minimum <= int(raw) <= maximum:
        raise InvalidParameter(f"{name}: an integer from {minimum} to {maximum}")
    return int(raw)


def _date(name: str) -> date | None:
    raw = _single(name)
    if raw is None:
        return None
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(f"{name}: a date as YYYY-MM-DD") from None


def _district(name: str) -> str | None:
    raw = _single(name)
    if raw is None:
        return None
    if district(raw) is None:
        raise InvalidParameter(f"{name}: the five-digit official key (AGS) of a district, e.g. 09162")
    return raw


def _choice(name: str, choices, default: str | None) -> str | None:
    raw = _single(name)
    if raw is None:
        return default
    if raw not in choices:
        raise InvalidParameter(f"{name}: one of {', '.join(choices)}")
    return raw


def _filter(with_cohort: bool = True) -> queries.ReportFilter:
    start, end = _date("from"), _date("to")  # an end before the start is an empty period
    f = queries.ReportFilter(lands=scope_of(g.api_token.user), start=start, end=end,
                             land=_choice("land", list(LAENDER), None), district=_district("district"),
                             course_id=_int("course", None, 1, 2_147_483_647))
    if with_cohort:
        f = replace(f, cohort_id=_int("cohort", None, 1, 2_147_483_647))
    return f


def _paging() -> tuple[int, int]:
    return _int("page", 1, 1, 1_000_000), _int("per_page", 100, 1, MAX_PER_PAGE)


def _page(schema: type, items: list[dict], total: int, page: int, per_page: int):
    last = max((total + per_page - 1) // per_page, 1)
    if page > last:
        return _error(404, "Not Found", f"page: the last page is {last}")
    args = request.args.to_dict()

    def link(number: int) -> str:
        return url_for(request.endpoint, **{**args, "page": number, "per_page": per_page}, _external=True)

    response = jsonify(schema().dump({"items": items, "page": page, "per_page": per_page, "total": total, "links": {
        "self": link(page), "next": link(page + 1) if page < last else None, "prev": link(page - 1) if page > 1 else None}}))
    response.headers["Cache-Control"] = "no-store"
    return response


# -- /api/v1 -----------------------------------------------------------------------------------------

@bp.get("/api/v1/openapi.json")
@per_address_limit
@csrf.exempt
def openapi():
    return jsonify(document(url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


def _figure(pub: publication.Publication, group: str, key: tuple, name: str, label: str, land: str | None = None,
            district_ags: str | None = None, population: int | None = None) -> dict:
    """One group's figures as published (app.reporting.publication): hidden ones are null and
    named in `suppressed`."""
    if group in publication.GRANULARITIES:  # a period row: events counted in their own month/quarter/year
        values = {"enrolled": pub.value(key, "enrolled"), "active": None, "completed": pub.value(key, "completed"),
                  "certified": pub.value(key, "certified"), "completion_rate": None, "certified_per_100k": None}
    else:
        values = {"enrolled": pub.value(key, "enrolled"), "active": pub.value(key, "active"),
                  "completed": pub.value(key, "completed"), "certified": pub.value(key, "certified"),
                  "completion_rate": pub.completion_rate(key), "certified_per_100k": pub.per_100k(key, population)}
    suppressed = sorted(k for k, v in values.items() if isinstance(v, figures.Suppressed))
    return {"group": group, "key": name, "label": label, "land": land,
            "district": district_ags, "population": population,
            **{k: (None if isinstance(v, figures.Suppressed) else v) for k, v in values.items()},
            "suppressed": suppressed, "small_group_threshold": pub.threshold}


def _figures(f: queries.ReportFilter, group: str) -> list[dict]:
    lands = tables.lands_of(f)
    pub = tables.publish(f)
    if group in publication.GRANULARITIES:
        return [_figure(pub, group, key, key[1], key[1]) for key in pub.period_keys(group)]
    if group == "total":
        return [_figure(pub, "total", pub.root, "total", "Gesamt", population=tables.population(f, lands) or None)]
    if group == "land":
        return [_figure(pub, "land", pub.root if f.district else publication.land_key(code), code, LAENDER[code], land=code,
                        population=tables.population(f, [code])) for code in lands]
    if group == "district":
        return [_figure(pub, "district", publication.district_key(land, d.ags), d.ags, d.name, land=d.land, district_ags=d.ags,
                        population=d.population) for land in lands for d in tables.districts_of(f, land)]
    if group == "municipality":
        rows = []
        for key in sorted(pub.keys("municipality"), key=lambda k: tuple(str(v or "") for v in k)):
            _kind, land, ags, municipality = key
            if land in lands and (not f.district or ags == f.district):
                rows.append(_figure(pub, "municipality", key, municipality or "", municipality or "", land=land, district_ags=ags))
        return rows
    items = [_figure(pub, "cohort", publication.cohort_key(c["id"]), str(c["id"]), c["name"], land=c["land"], district_ags=c["district_ags"])
             for c in pub.cohorts]
    if publication.OTHER_COHORTS in pub.counts:
        items.append(_figure(pub, "cohort", publication.OTHER_COHORTS, "other", "Kohorten anderer Länder"))
    return items


@bp.get("/api/v1/figures")
@per_address_limit
@per_token_limit
@token_required
def figures_endpoint():
    group = _choice("group_by", GROUPS, "land")
    f = _filter()
    page, per_page = _paging()
    items = _figures(f, group)
    return _page(schemas.FigurePageSchema, items[(page - 1) * per_page:page * per_page], len(items), page, per_page)


@bp.get("/api/v1/certificates")
@per_address_limit
@per_token_limit
@token_required
def certificates_endpoint():
    f = _filter()
    page, per_page = _paging()
    with_names = setting_enabled("register_shows_names")
    rows, total = tables.register_rows(f, page, per_page, with_names)
    items = []
    for row in rows:
        found = district(row["district"])
        item = {"number": row["number"], "issued_on": clock.local_date(row["issued_at"]), "status": row["status"].value,
                "course": row["course"], "municipality": row["municipality"], "district": row["district"],
                "district_name": found.name if found else None, "land": row["land"]}
        if with_names:
            item["name"] = row["name"]
        items.append(item)
    return _page(schemas.CertificatePageSchema, items, total, page, per_page)


@bp.get("/api/v1/cohorts")
@per_address_limit
@per_token_limit
@token_required
def cohorts_endpoint():
    f = _filter(with_cohort=False)
    page, per_page = _paging()
    rows, total = queries.cohort_page(f, page, per_page)
    items = [{"id": r["id"], "name": r["name"], "course": r["course"], "course_title": r["course_title"], "land": r["land"],
              "district": r["district_ags"], "starts_on": r["starts_on"],
              "ends_on": r["ends_on"], "seats": r["seats"]} for r in rows]
    return _page(schemas.CohortPageSchema, items, total, page, per_page)


# -- token management (web interface, CSRF-protected) -------------------------------------------------

@bp.route("/api-zugang", methods=["GET", "POST"])
@role_required(*REPORT_ROLES)
def tokens():
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        try:
            _row, created = services.create_token(current_user, form.name.data)
        except DomainError as exc:
            form.name.errors.append(exc.message)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    scope = scope_of(current_user)
    response = render_template("api/tokens.html", form=form, created=created, tokens=services.user_tokens(current_user),
                               scope=scope, scope_names=[LAENDER[c] for c in sorted(scope or ())],
                               revoke_form=RevokeForm())
    return response, 200, {"Cache-Control": "no-store"}


@bp.post("/api-zugang/<int:token_id>/widerrufen")
@role_required(*REPORT_ROLES)
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    services.revoke_token(token, current_user)
    db.session.commit()
    flash(_("Das Token „%(name)s“ wurde widerrufen.", name=token.name), "success")
    return redirect(url_for("api.tokens"))
