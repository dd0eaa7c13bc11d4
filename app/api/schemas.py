"""The answers of /api/v1 as marshmallow schemas. The routes serialise every response through
them, and app/api/openapi.py generates the document's components from them (apispec), so the
documented shape and the sent shape are one definition and cannot drift apart."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

MAX_PER_PAGE = 500
GROUPS = ("total", "land", "district", "municipality", "cohort", "month", "quarter", "year")
_SUPPRESSED = " null: withheld (fewer than small_group_threshold people, or a complement of such a count) or not applicable."


def _count(description: str) -> fields.Integer:
    return fields.Integer(required=True, allow_none=True, validate=validate.Range(min=0),
                          metadata={"description": description + _SUPPRESSED})


def _number(description: str) -> fields.Float:
    return fields.Float(required=True, allow_none=True, validate=validate.Range(min=0),
                        metadata={"description": description + " null: suppressed or not applicable."})


def _text(**kwargs) -> fields.String:
    return fields.String(required=True, **kwargs)


class ErrorSchema(Schema):
    error = _text()
    status = fields.Integer(required=True)
    detail = fields.String()
    retry_after = fields.Integer(validate=validate.Range(min=1), metadata={"description": "429 only: seconds to wait."})


# "self" cannot be a class attribute of a Schema, hence from_dict
LinksSchema = Schema.from_dict({"self": _text(), "next": _text(allow_none=True), "prev": _text(allow_none=True)},
                               name="LinksSchema")


class FigureSchema(Schema):
    group = _text(validate=validate.OneOf(GROUPS))
    key = _text(metadata={"description": "Land code, AGS, municipality, cohort id (\"other\": the cohorts of "
                                   "other Länder, unnamed) or period (2026-05, 2026-Q2, 2026)."})
    label = _text()
    land = _text(allow_none=True)
    district = _text(allow_none=True)
    population = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=0))
    enrolled = _count("Enrolments in the period.")
    active = _count("Enrolments in progress with activity in the last 30 days.")
    completed = _count("Enrolments completed in the period.")
    certified = _count("Learners first certified in the period.")
    completion_rate = _number("Share (0..1) of the period's enrolments that are completed.")
    certified_per_100k = _number("Certified per 100,000 inhabitants.")
    suppressed = fields.List(fields.String(), required=True)
    small_group_threshold = fields.Integer(required=True, validate=validate.Range(min=1))


class CertificateSchema(Schema):
    number = _text()
    issued_on = fields.Date(required=True)
    status = _text(validate=validate.OneOf(["valid", "revoked"]))
    course = _text()
    municipality = _text(allow_none=True)
    district = _text(allow_none=True)
    district_name = _text(allow_none=True)
    land = _text(allow_none=True)
    name = fields.String(metadata={"description": "Only where the administration shows names in the register."})


class CohortSchema(Schema):
    id = fields.Integer(required=True)
    name = _text()
    course = _text()
    course_title = _text()
    land = _text()
    district = _text(allow_none=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, allow_none=True)
    seats = fields.Integer(required=True)


def _page_of(item: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "page": fields.Integer(required=True, validate=validate.Range(min=1)),
        "per_page": fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_PER_PAGE)),
        "total": fields.Integer(required=True, validate=validate.Range(min=0)),
        "links": fields.Nested(LinksSchema, required=True),
    }, name=name)


FigurePageSchema = _page_of(FigureSchema, "FigurePageSchema")
CertificatePageSchema = _page_of(CertificateSchema, "CertificatePageSchema")
CohortPageSchema = _page_of(CohortSchema, "CohortPageSchema")

# component name in the OpenAPI document → schema
COMPONENTS: dict[str, type[Schema]] = {
    "Error": ErrorSchema, "Links": LinksSchema, "Figure": FigureSchema, "Certificate": CertificateSchema,
    "Cohort": CohortSchema, "FigurePage": FigurePageSchema, "CertificatePage": CertificatePageSchema,
    "CohortPage": CohortPageSchema,
}
