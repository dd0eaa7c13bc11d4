"""The agency's pages: figures, scope (Land 12 never sees Land 09), small groups, filters."""
from __future__ import annotations

import re

import pytest

from tests.reporting.conftest import QueryCounter, agency_user, havel_group, learner


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


HIDDEN = '<span aria-hidden="true">•</span><span class="visually-hidden">geheim gehalten</span>'


def kpi(page: str, label: str) -> str:
    """A headline figure as text; "•" when hidden."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", page)
    assert match, label
    return match.group(1).replace(HIDDEN, "•").strip()


def district_row(page: str, name: str) -> list[str]:
    """The cells of a district's row in the district table, hidden ones as "•"."""
    row = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', page, re.S).group(1)
    return [cell.replace(HIDDEN, "•").strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


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


def test_small_groups_are_hidden_and_so_is_what_would_give_them_away(browser, world):
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte/tabelle/kommunen"))
    row = re.search(r"Cottbus/Chóśebuz.*?</tr>", page, re.S).group(0)
    assert HIDDEN in row and ">1<" not in row
    districts = text_of(browser.get("/berichte/tabelle/kreise"))
    # columns after the row header: type, Land, population, enrolled, active, completed, certified, rate, per 100k
    cottbus, potsdam = district_row(districts, "Cottbus, Stadt"), district_row(districts, "Potsdam, Stadt")
    assert cottbus[6] == "•" and cottbus[8] == "•"
    # Brandenburg has 4 certified: with Potsdam's 3 shown, 4 − 3 would be Cottbus's 1
    assert potsdam[6] == "•" and potsdam[8] == "•"
    # a filter that narrows to one person suppresses the headline figures too
    page = text_of(browser.get("/berichte?von=2000-01-01&bis=2000-01-02"))
    assert kpi(page, "Eingeschrieben") == "0"


def test_threshold_is_configurable(app, browser, world, monkeypatch):
    monkeypatch.setitem(app.config, "SMALL_GROUP_THRESHOLD", 5)
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte"))
    assert kpi(page, "Zertifiziert") == "•"  # 4 < 5
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


def test_register_shows_names_only_when_the_admin_allows(browser, another_browser, world, db, make):
    from app.admin.services import set_setting

    havel_group(db, make, world)
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte/register"))
    assert "Hanna Havel" not in page and "Namen werden" in page
    set_setting("register_shows_names", "1", world.admin)
    db.session.commit()
    page = text_of(browser.get("/berichte/register"))
    assert "Hanna Havel" in page


def register_rows(page: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_register_lists_no_certificate_of_a_small_or_hidden_group(browser, world, db, make):
    """Cottbus has one certificate ("•" in the figures); Potsdam's 3 are hidden to protect it.
    Listing either group's certificates would give its count away."""
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte/register"))
    assert "Cottbus/Chóśebuz" not in page and "Landeshauptstadt Potsdam" not in page
    assert "Keine Daten für diese Auswahl." in page
    for district_filter in ("12052", "12054"):
        page = text_of(browser.get(f"/berichte/register?kreis={district_filter}"))
        assert "Keine Daten für diese Auswahl." in page, district_filter
        assert "KK-" not in browser.get(f"/berichte/register.csv?kreis={district_filter}").get_data(as_text=True)
    havel_group(db, make, world)
    rows = register_rows(text_of(browser.get("/berichte/register")))
    assert len(rows) == 4 and all("Brandenburg an der Havel" in row for row in rows)


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


def test_district_filter_narrows_every_figure(browser, world, db, make):
    from app.regions import district

    for _index in range(3):  # so that Cottbus's one certified person has other complements than Potsdam
        learner(db, make, world.brandenburg, "12051", "Brandenburg an der Havel", complete=True)
    db.session.commit()
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte?kreis=12054"))
    assert kpi(page, "Eingeschrieben") == "4" and kpi(page, "Zertifiziert") == "3"
    assert '<option selected value="12054">' in page or 'value="12054" selected' in page
    potsdam = district("12054")
    expected = f"{3 * 100_000 / potsdam.population:.1f}".replace(".", ",")
    assert kpi(page, "Zertifizierte je 100.000 Einwohner") == expected
    districts = text_of(browser.get("/berichte/tabelle/kreise?kreis=12054"))
    assert re.findall(r'<th scope="row">([^<]+)</th>', districts) == [potsdam.name]
    register = text_of(browser.get("/berichte/register?kreis=12054"))
    assert "Landeshauptstadt Potsdam" in register and "Cottbus/Chóśebuz" not in register


def test_a_district_filter_does_not_reveal_a_hidden_district(browser, world):
    """Potsdam's figures are hidden to protect Cottbus; narrowing to Potsdam must not show them."""
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte?kreis=12054"))
    assert kpi(page, "Eingeschrieben") == "•" and kpi(page, "Zertifiziert") == "•"
    assert kpi(page, "Zertifizierte je 100.000 Einwohner") == "•"


def test_district_outside_the_scope_is_refused(browser, world):
    browser.login(world.agency_12)
    page = text_of(browser.get("/berichte?kreis=09162"))
    assert "Dieser Kreis liegt außerhalb der Auswahl." in page
    assert kpi(page, "Eingeschrieben") == "6"  # ignored: the whole scope, not Bayern
    page = text_of(browser.get("/berichte?land=12&kreis=09162"))
    assert "Dieser Kreis liegt außerhalb der Auswahl." in page and "Weißwurstheim" not in page


def test_a_learner_living_in_berlin_does_not_open_a_brandenburg_cohort_to_berlin(browser, another_browser, world, db, make):
    """Issue 21, item 5: an enrolment counts where the learner lives; the cohort stays Brandenburg's."""
    learner(db, make, world.brandenburg, "11000", "Berlin", complete=True)
    berlin = agency_user(make, "11")
    db.session.commit()
    browser.login(berlin)
    page = text_of(browser.get("/berichte/tabelle/kohorten"))
    assert "Brandenburg 2027-1" not in page and "Kohorten anderer Länder" in page
    assert "Brandenburg 2027-1" not in text_of(browser.get("/berichte/tabelle/kohorten.csv"))
    assert kpi(text_of(browser.get("/berichte")), "Eingeschrieben") == "•"  # one person, counted for Berlin
    another_browser.login(world.agency_12)
    page = text_of(another_browser.get("/berichte/tabelle/kohorten"))
    row = re.search(r'<th scope="row">Brandenburg 2027-1</th>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[0] == "6"  # not the Berlin learner
