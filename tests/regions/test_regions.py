"""The shipped district list and the lookups reporting will reuse."""
from __future__ import annotations

from pathlib import Path

import pytest

from app import regions

ROOT = Path(__file__).resolve().parents[2]


def test_all_401_districts_and_16_laender():
    districts = regions.all_districts()
    assert len(districts) == 401
    assert len({d.ags for d in districts}) == 401
    assert {d.land for d in districts} == set(regions.LAENDER)
    assert len(regions.LAENDER) == 16
    assert sum(d.population for d in districts) > 80_000_000


def test_lookup_by_ags_gives_land():
    potsdam = regions.district("12054")
    assert potsdam.name == "Potsdam, Stadt" and potsdam.land == "12" and potsdam.land_name == "Brandenburg"
    assert regions.land_of("09162") == "09"
    assert regions.district("99999") is None and regions.land_of(None) is None
    assert regions.district("08111").land_name == "Baden-Württemberg"


@pytest.mark.parametrize("text, ags", [
    ("12054", "12054"), ("1001", "01001"), ("01001000", "01001"), ("Potsdam", "12054"), ("Oder-Spree", "12067"),
    ("Landkreis München", "09184"), ("Stadt München", "09162"), ("München, Landeshauptstadt", "09162"),
    ("  landkreis  oder-spree ", "12067"),
])
def test_find_district_from_spreadsheet_text(text, ags):
    found, reason = regions.find_district(text)
    assert reason is None and found.ags == ags


@pytest.mark.parametrize("text, reason", [("München", "ambiguous"), ("Atlantis", "unknown"), ("12999", "unknown"), ("", "empty")])
def test_find_district_says_why_it_failed(text, reason):
    assert regions.find_district(text) == (None, reason)


def test_choices_are_grouped_by_land():
    grouped = regions.choices_by_land()
    assert list(grouped)[11] == "Brandenburg"
    assert sum(len(v) for v in grouped.values()) == 401


def test_attribution_is_kept_in_notice_and_next_to_the_data():
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    assert "Statistisches Bundesamt (Destatis)" in notice and "CC BY 4.0" in notice
    assert "districts-de.csv" in notice
    assert regions.DATA_FILE.exists()
    template = (ROOT / "app" / "templates" / "regions" / "_attribution.html").read_text(encoding="utf-8")
    assert "Destatis" in template and "creativecommons.org/licenses/by/4.0" in template
