"""The API's figures, register and cohorts: scoped like the token's owner, paginated, suppressed."""
from __future__ import annotations

import pytest

from tests.api.conftest import bearer


def get(client, token, url):
    response = client.get(url, headers=bearer(token))
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    return response.get_json()


@pytest.mark.parametrize("group", ["total", "land", "district", "municipality", "cohort", "month", "quarter", "year"])
def test_agency_of_land_12_never_sees_land_09(client, tokens, group):
    body = get(client, tokens["agency_12"], f"/api/v1/figures?group_by={group}&per_page=500")
    text = str(body)
    assert "09162" not in text and "Weißwurstheim" not in text and "Bayern" not in text
    for item in body["items"]:
        assert item["land"] in ("12", None)


def test_figures_by_land_and_district(client, tokens):
    body = get(client, tokens["agency_12"], "/api/v1/figures?group_by=land")
    assert [i["key"] for i in body["items"]] == ["12"]
    brandenburg = body["items"][0]
    assert brandenburg["enrolled"] == 6 and brandenburg["certified"] == 4 and brandenburg["completion_rate"] == pytest.approx(4 / 6)
    assert brandenburg["population"] > 2_000_000 and brandenburg["certified_per_100k"] > 0
    districts = get(client, tokens["agency_12"], "/api/v1/figures?group_by=district&per_page=500")["items"]
    assert len(districts) == 18
    cottbus = next(d for d in districts if d["key"] == "12052")
    assert cottbus["certified"] is None and "certified" in cottbus["suppressed"] and cottbus["small_group_threshold"] == 3
    # Brandenburg's 4 minus Potsdam's 3 would be Cottbus's 1: Potsdam is hidden too, as on the pages
    potsdam = next(d for d in districts if d["key"] == "12054")
    assert potsdam["certified"] is None and potsdam["certified_per_100k"] is None
    assert {"certified", "certified_per_100k"} <= set(potsdam["suppressed"])


def test_admin_sees_all_laender_and_can_narrow(client, tokens):
    body = get(client, tokens["admin"], "/api/v1/figures?group_by=land")
    assert body["total"] == 16
    assert get(client, tokens["admin"], "/api/v1/figures?group_by=total&land=09")["items"][0]["certified"] == 5
    assert get(client, tokens["agency_12"], "/api/v1/figures?group_by=total&land=09")["items"][0]["certified"] == 0


def test_pagination(client, tokens):
    first = get(client, tokens["admin"], "/api/v1/figures?group_by=district&per_page=100")
    assert first["total"] == 401 and len(first["items"]) == 100 and first["links"]["prev"] is None
    assert "page=2" in first["links"]["next"]
    last = get(client, tokens["admin"], "/api/v1/figures?group_by=district&per_page=100&page=5")
    assert len(last["items"]) == 1 and last["links"]["next"] is None
    assert client.get("/api/v1/figures?group_by=district&per_page=100&page=6", headers=bearer(tokens["admin"])).status_code == 404


def test_certificate_register(client, tokens, world, db, make):
    from app.admin.services import set_setting
    from tests.reporting.conftest import havel_group

    # Cottbus has one certificate, Potsdam's three are hidden beside it: nothing to list yet
    assert get(client, tokens["agency_12"], "/api/v1/certificates")["total"] == 0
    assert get(client, tokens["agency_12"], "/api/v1/certificates?district=12052")["items"] == []
    havel_group(db, make, world)
    body = get(client, tokens["agency_12"], "/api/v1/certificates")
    assert body["total"] == 4 and {i["land"] for i in body["items"]} == {"12"}
    assert {i["district"] for i in body["items"]} == {"12051"}
    assert all("name" not in i for i in body["items"]) and body["items"][0]["number"].startswith("KK-")
    set_setting("register_shows_names", "1", world.admin)
    db.session.commit()
    assert "Hanna Havel" in {i.get("name") for i in get(client, tokens["agency_12"], "/api/v1/certificates")["items"]}


def test_cohorts(client, tokens, world):
    body = get(client, tokens["agency_12"], "/api/v1/cohorts")
    assert [c["name"] for c in body["items"]] == ["Brandenburg 2027-1"]
    assert get(client, tokens["admin"], "/api/v1/cohorts")["total"] >= 2


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=501", "group_by=answers", "from=2026-13-01", "from=gestern",
                                   "land=99", "to=2026-02-30", "page=1&page=2", "course=-1"])
def test_invalid_parameters_are_400(client, tokens, query):
    response = client.get(f"/api/v1/figures?{query}", headers=bearer(tokens["admin"]))
    assert response.status_code == 400 and response.get_json()["status"] == 400


def test_unauthenticated_and_other_methods(client):
    assert client.get("/api/v1/certificates").status_code == 401
    assert client.get("/api/v1/cohorts", headers={"Authorization": "Bearer scc_nonsense"}).status_code == 401
    response = client.post("/api/v1/figures")
    assert response.status_code == 405 and response.headers["Allow"] and response.mimetype == "application/json"


def test_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/figures", "/certificates", "/cohorts"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_document_and_answers_share_one_schema(client, tokens):
    """The document's item schemas are generated from the schemas that serialise the answers, and
    are closed (additionalProperties: false), so a key sent but not documented fails schemathesis."""
    from app.api.schemas import CohortSchema, FigureSchema

    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name, schema in (("Figure", FigureSchema), ("Cohort", CohortSchema)):
        assert set(schemas[name]["properties"]) == set(schema().fields), name
        assert schemas[name]["additionalProperties"] is False
        assert set(schemas[name]["required"]) == {n for n, f in schema().fields.items() if f.required}
    assert schemas["Figure"]["properties"]["enrolled"]["type"] == ["integer", "null"]
    answer = get(client, tokens["agency_12"], "/api/v1/figures?group_by=land")
    assert set(answer["items"][0]) == set(schemas["Figure"]["properties"])
    assert set(answer["links"]) == set(schemas["Links"]["properties"]) == {"self", "next", "prev"}


def test_figures_register_and_cohorts_by_district(client, tokens, world, db, make):
    from app.cohorts.services import update_cohort
    from tests.reporting.conftest import learner

    for _index in range(3):  # other complements for Cottbus's one certified person than Potsdam
        learner(db, make, world.brandenburg, "12051", "Brandenburg an der Havel", complete=True)
    db.session.commit()
    total = get(client, tokens["agency_12"], "/api/v1/figures?group_by=total&district=12054")["items"][0]
    assert (total["enrolled"], total["certified"]) == (4, 3)
    districts = get(client, tokens["agency_12"], "/api/v1/figures?group_by=district&district=12054")["items"]
    assert [d["key"] for d in districts] == ["12054"]
    register = get(client, tokens["agency_12"], "/api/v1/certificates?district=12054")
    assert register["total"] == 3 and {i["district"] for i in register["items"]} == {"12054"}
    outside = get(client, tokens["agency_12"], "/api/v1/figures?group_by=total&district=09162")
    assert outside["items"] == [] or outside["items"][0]["enrolled"] == 0
    update_cohort(world.brandenburg, world.brandenburg.name, "12", "12054", world.brandenburg.starts_on, None, world.brandenburg.seats)
    db.session.commit()
    assert [c["name"] for c in get(client, tokens["agency_12"], "/api/v1/cohorts?district=12054")["items"]] == ["Brandenburg 2027-1"]
    assert get(client, tokens["agency_12"], "/api/v1/cohorts?district=12052")["items"] == []
    response = client.get("/api/v1/figures?district=99999", headers=bearer(tokens["agency_12"]))
    assert response.status_code == 400 and "district" in response.get_json()["detail"]
