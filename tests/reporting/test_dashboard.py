"""The agency's pages: figures, scope (Land 12 never sees Land 09), small groups, filters."""
from __future__ import annotations

import re

import pytest

from tests.reporting.conftest import QueryCounter, agency_user, learner


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def kpi(page: str, label: str) -> str:
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page)
    assert match, label
    return match.group(1).strip()


def test_agency_of_brandenburg_sees_brandenburg_only(browser, world):
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte"))
    assert kpi(page, "Eingeschrieben") == "6"
    assert kpi(page, "Zertifiziert") == "4"
    assert "Brandenburg" in page and "Potsdam" in page
    assert "Bayern" not in page and "München" not in page and "09162" not in page
    for name in ("laender", "kreise", "kommunen", "kohorten", "zeitraum", "abdeckung"):
        detail = text_of(browser.get(f"/berichte/tabelle/{name}"))
        assert "Bayern" not in detail and "Weißwurstheim" not in detail and "München" not in detail, name
    register = text_of(browser.get("/berichte/register"))
    assert "Weißwurstheim" not in register and "Potsdam" in register


def test_agency_cannot_widen_its_scope_with_filters(browser, world):
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte?land=09"))
    assert "außerhalb Ihres Bereichs" in page and "Weißwurstheim" not in page
    assert kpi(page, "Zertifiziert") == "4"
    page = text_of(browser.get(f"/berichte/tabelle/kohorten?kohorte={world.bayern.id}"))
    assert "Unbekannte Kohorte" in page and "Bayern 2027-1" not in page
    assert "Brandenburg 2027-1" in page  # the filter was ignored, the scope kept


def test_admin_sees_every_land(browser, world):
    browser.login(world.admin)
    page = text_of(browser.get("/berichte"))
    assert kpi(page, "Zertifiziert") == "9"
    assert "Bayern" in page and "Brandenburg" in page
    assert "Weißwurstheim" in text_of(browser.get("/berichte/tabelle/kommunen"))


def test_small_groups_are_shown_as_less_than_three(browser, world):
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte/tabelle/kommunen"))
    row = re.search(r"Cottbus/Chóśebuz.*?</tr>", page, re.S).group(0)
    assert "&lt; 3" in row and ">1<" not in row
    districts = text_of(browser.get("/berichte/tabelle/kreise"))
    cottbus = re.search(r"<th scope=\"row\">Cottbus, Stadt</th>.*?</tr>", districts, re.S).group(0)
    assert "&lt; 3" in cottbus
    # a filter that narrows to one person suppresses the headline figures too
    page = text_of(browser.get("/berichte?von=2000-01-01&bis=2000-01-02"))
    assert kpi(page, "Eingeschrieben") == "0"


def test_threshold_is_configurable(app, browser, world, monkeypatch):
    monkeypatch.setitem(app.config, "SMALL_GROUP_THRESHOLD", 5)
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte"))
    assert kpi(page, "Zertifiziert") == "&lt; 5"
    assert kpi(page, "Eingeschrieben") == "6"


def test_dashboard_shows_rates_median_coverage_and_charts(browser, world):
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte"))
    assert kpi(page, "Abschlussquote") == "66,7 %"  # 4 of 6
    assert kpi(page, "Median Einschreibung bis Zertifikat") == "0,0 Tage"
    assert kpi(page, "Zertifizierte je 100.000 Einwohner") not in ("–", "")
    assert page.count('role="img"') == 2 and "<title id=" in page and "<desc id=" in page
    assert "Daten zum Diagramm" in page
    assert "Kreise ohne zertifizierte Person" in page  # Brandenburg has 18 districts, 2 covered
    row = re.search(r"<th scope=\"row\">Brandenburg</th>.*?</tr>", page, re.S).group(0)
    assert re.search(r"<td class=\"num\">2</td>\s*<td class=\"num\">18</td>", row), row
    assert "Statistisches Bundesamt" in page  # CC-BY attribution of the district data


def test_agency_without_a_land_sees_nothing(browser, world, make):
    browser.login(make.user("agency"))
    page = text_of(browser.get("/berichte"))
    assert "kein Land zugeordnet" in page
    assert kpi(page, "Eingeschrieben") == "0"
    assert "Potsdam" not in text_of(browser.get("/berichte/register"))


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_only_agency_and_admin_see_reports(browser, world, make, role):
    browser.login(make.user(role))
    for url in ("/berichte", "/berichte/tabelle/kreise", "/berichte/tabelle/kreise.csv", "/berichte/register", "/berichte/register.xlsx"):
        assert browser.get(url).status_code == 403, url


def test_unknown_table_is_404(browser, world):
    browser.login(world.admin)
    assert browser.get("/berichte/tabelle/antworten").status_code == 404
    assert browser.get("/berichte/tabelle/antworten.csv").status_code == 404


def test_invalid_filters_are_reported_not_fatal(browser, world):
    browser.login(world.admin)
    page = text_of(browser.get("/berichte?von=gestern&bis=2020-01-01&kurs=abc&raster=woche"))
    assert "Einige Angaben konnten nicht verwendet werden" in page


def test_period_table_by_quarter_and_year(browser, world):
    browser.login(world.agency_12)
    quarter = text_of(browser.get("/berichte/tabelle/zeitraum?raster=quarter"))
    assert re.search(r"\d{4}-Q[1-4]", quarter)
    year = text_of(browser.get("/berichte/tabelle/zeitraum?raster=year"))
    assert "Nach Zeitraum" in year


def test_register_shows_names_only_when_the_admin_allows(browser, another_browser, world, db):
    from app.admin.services import set_setting

    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte/register"))
    assert "Jürgen Müßig" not in page and "Namen werden" in page
    set_setting("register_shows_names", "1", world.admin)
    db.session.commit()
    page = text_of(browser.get("/berichte/register"))
    assert "Jürgen Müßig" in page


def test_dashboard_query_count_does_not_grow_with_the_data(app, browser, world, db, make):
    browser.login(world.admin)
    browser.get("/berichte")  # warm up (first-time lookups)
    db.session.expire_all()  # as in production: nothing cached between requests
    with QueryCounter(db.engine) as small:
        text_of(browser.get("/berichte"))
    for index in range(6):
        cohort = make.cohort(land=["12", "09", "05"][index % 3])
        for ags in ("12054", "09162", "05315"):
            learner(db, make, cohort, ags, f"Ort {index}", complete=index % 2 == 0)
    db.session.commit()
    db.session.expire_all()
    with QueryCounter(db.engine) as large:
        text_of(browser.get("/berichte"))
    assert large.count == small.count, [s.split("FROM")[0][:80] for s in large.statements]
    for name in ("kreise", "kommunen", "kohorten", "zeitraum"):
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            text_of(browser.get(f"/berichte/tabelle/{name}"))
        assert counter.count <= small.count, name


def test_admin_with_an_agency_bound_to_two_laender(browser, world, make, db):
    both = agency_user(make, "12", "09")
    db.session.commit()
    browser.login(both)
    page = text_of(browser.get("/berichte"))
    assert kpi(page, "Zertifiziert") == "9"
    page = text_of(browser.get("/berichte?land=09"))
    assert kpi(page, "Zertifiziert") == "5" and "Potsdam" not in page


def test_district_filter_narrows_every_figure(browser, world):
    from app.regions import district

    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte?kreis=12054"))
    assert kpi(page, "Eingeschrieben") == "4" and kpi(page, "Zertifiziert") == "3"
    assert '<option selected value="12054">' in page or 'value="12054" selected' in page
    potsdam = district("12054")
    expected = f"{3 * 100_000 / potsdam.population:.1f}".replace(".", ",")
    assert kpi(page, "Zertifizierte je 100.000 Einwohner") == expected
    districts = text_of(browser.get("/berichte/tabelle/kreise?kreis=12054"))
    assert re.findall(r'<th scope="row">([^<]+)</th>', districts) == [potsdam.name]
    register = text_of(browser.get("/berichte/register?kreis=12052"))
    assert "Cottbus/Chóśebuz" in register and "Landeshauptstadt Potsdam" not in register


def test_district_outside_the_scope_is_refused(browser, world):
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte?kreis=09162"))
    assert "Dieser Kreis liegt außerhalb der Auswahl." in page
    assert kpi(page, "Eingeschrieben") == "6"  # ignored: the whole scope, not Bayern
    page = text_of(browser.get("/berichte?land=12&kreis=09162"))
    assert "Dieser Kreis liegt außerhalb der Auswahl." in page and "Weißwurstheim" not in page
