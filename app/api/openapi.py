"""The OpenAPI 3.1 description of /api/v1 — what the routes accept and answer, kept next to them
and checked against them by schemathesis in the test suite."""
from __future__ import annotations

from app.regions import LAENDER, all_districts

MAX_PER_PAGE = 500
GROUPS = ("total", "land", "district", "municipality", "cohort", "month", "quarter", "year")


def _count(description: str) -> dict:
    return {"type": ["integer", "null"], "minimum": 0,
            "description": description + " null: suppressed (fewer than small_group_threshold people) or not applicable."}


def _number(description: str) -> dict:
    return {"type": ["number", "null"], "minimum": 0, "description": description + " null: suppressed or not applicable."}


def _page_of(item: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "links"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
            "links": {"$ref": "#/components/schemas/Links"},
        },
    }


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


FILTERS = [
    _query("from", {"type": "string", "format": "date"}, "First day of the period (YYYY-MM-DD), inclusive."),
    _query("to", {"type": "string", "format": "date"}, "Last day of the period (YYYY-MM-DD), inclusive; before `from`: an empty period."),
    _query("land", {"type": "string", "enum": list(LAENDER)}, "Only this Land (two-digit AGS prefix); outside the token's scope: no items."),
    _query("district", {"type": "string", "enum": [d.ags for d in all_districts()]},
           "Only this district (five-digit official key, AGS); outside the token's scope: no items. Cohorts: those held there."),
    _query("course", {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}, "Only this course (id)."),
]
COHORT_FILTER = _query("cohort", {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}, "Only this cohort (id).")
PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}, "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 100}, "Items per page."),
]
ERRORS = {
    "400": {"description": "Invalid parameter", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "401": {"description": "Missing, unknown or revoked token",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "403": {"description": "The token's owner may no longer see figures",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "404": {"description": "Page beyond the last", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "429": {"description": "Rate limit of the token or of the client address used up; retry after `Retry-After` seconds",
            "headers": {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
}


def _operation(operation_id: str, summary: str, description: str, parameters: list, item: str) -> dict:
    return {"get": {
        "operationId": operation_id, "summary": summary, "description": description, "parameters": parameters,
        "security": [{"bearer": []}],
        "responses": {"200": {"description": "A page of results",
                              "content": {"application/json": {"schema": _page_of(item)}}}, **ERRORS},
    }}


def document(server_url: str) -> dict:
    nullable_text = {"type": ["string", "null"]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Smart City Campus – Auswertung der Qualifizierung",
            "version": "1.0.0",
            "description": (
                "Read-only figures of the Smart City Manager qualification for the agency's own systems: "
                "counts by region and period, the certificate register and cohorts. Aggregates only; a token "
                "sees exactly what its owner sees in the web interface (their Länder). Counts of fewer than "
                "`small_group_threshold` people are null and listed in `suppressed`. Tokens are created and "
                "revoked by their owner under \"API-Zugang\" and sent as `Authorization: Bearer <token>`. "
                "Requests are rate-limited per token and per client address (by default 60 a minute and 1,000 an "
                "hour per token, 120 a minute and 2,000 an hour per address, over all endpoints together); over the "
                "limit the answer is 429 with a `Retry-After` header. "
                "District data: © Statistisches Bundesamt (Destatis), 2019, CC BY 4.0."
            ),
            "license": {"name": "District data: CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/figures": _operation(
                "getFigures", "Figures by region, cohort or period",
                "Enrolled, active, completed and certified learners, completion rate and certified per 100,000 "
                "inhabitants, grouped by `group_by`. Period groups count each event in its month, quarter or year.",
                [_query("group_by", {"type": "string", "enum": list(GROUPS), "default": "land"}, "How to group."),
                 *FILTERS, COHORT_FILTER, *PAGING], "Figure"),
            "/certificates": _operation(
                "getCertificates", "The certificate register",
                "Issued certificates (current versions) in scope, newest first. `name` is present only where the "
                "administration allows names in the register.",
                [*FILTERS, COHORT_FILTER, *PAGING], "Certificate"),
            "/cohorts": _operation(
                "getCohorts", "Cohorts", "Cohorts run in the token's Länder, newest first (`from`/`to` filter the start date).",
                [*FILTERS, *PAGING], "Cohort"),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token (scc_…)."}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "status"],
                          "properties": {"error": {"type": "string"}, "status": {"type": "integer"},
                                         "detail": {"type": "string"},
                                         "retry_after": {"type": "integer", "minimum": 1, "description": "429 only: seconds to wait."}}},
                "Links": {"type": "object", "required": ["self", "next", "prev"],
                          "properties": {"self": {"type": "string"}, "next": nullable_text, "prev": nullable_text}},
                "Figure": {
                    "type": "object",
                    "required": ["group", "key", "label", "land", "district", "population", "enrolled", "active", "completed",
                                 "certified", "completion_rate", "certified_per_100k", "suppressed", "small_group_threshold"],
                    "properties": {
                        "group": {"type": "string", "enum": list(GROUPS)},
                        "key": {"type": "string", "description": "Land code, AGS, municipality, cohort id or period (2026-05, 2026-Q2, 2026)."},
                        "label": {"type": "string"},
                        "land": nullable_text, "district": nullable_text,
                        "population": {"type": ["integer", "null"], "minimum": 0},
                        "enrolled": _count("Enrolments in the period."),
                        "active": _count("Enrolments in progress with activity in the last 30 days."),
                        "completed": _count("Enrolments completed in the period."),
                        "certified": _count("Learners first certified in the period."),
                        "completion_rate": _number("Share (0..1) of the period's enrolments that are completed."),
                        "certified_per_100k": _number("Certified per 100,000 inhabitants."),
                        "suppressed": {"type": "array", "items": {"type": "string"}},
                        "small_group_threshold": {"type": "integer", "minimum": 1},
                    },
                },
                "Certificate": {
                    "type": "object",
                    "required": ["number", "issued_on", "status", "course", "municipality", "district", "district_name", "land"],
                    "properties": {
                        "number": {"type": "string"}, "issued_on": {"type": "string", "format": "date"},
                        "status": {"type": "string", "enum": ["valid", "revoked"]},
                        "course": {"type": "string"}, "municipality": nullable_text, "district": nullable_text,
                        "district_name": nullable_text, "land": nullable_text, "name": {"type": "string"},
                    },
                },
                "Cohort": {
                    "type": "object",
                    "required": ["id", "name", "course", "course_title", "land", "district", "starts_on", "ends_on", "seats"],
                    "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"}, "course": {"type": "string"},
                        "course_title": {"type": "string"}, "land": {"type": "string"}, "district": nullable_text,
                        "starts_on": {"type": "string", "format": "date"},
                        "ends_on": {"type": ["string", "null"], "format": "date"}, "seats": {"type": "integer"},
                    },
                },
            },
        },
    }
