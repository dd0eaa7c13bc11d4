"""German regions: the 16 Länder and the 401 districts (Landkreise, kreisfreie Städte) with their
official key (AGS). Pure reference data — no Flask, no database — read once from the CSV shipped
next to this file.

Data: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem GV-ISys, 2019,
licensed CC-BY-4.0 (see ATTRIBUTION and the NOTICE file at the repository root). The attribution must
be shown on every page that shows this data (template ``regions/_attribution.html``)."""
from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("districts-de.csv")

ATTRIBUTION = (
    "Kreisdaten: © Statistisches Bundesamt (Destatis), 2019, Daten im Auftrag der Herausgebergemeinschaft "
    "Statistische Ämter des Bundes und der Länder; Gemeindeverzeichnis-Informationssystem GV-ISys; "
    "Lizenz CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)."
)
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

LAENDER: dict[str, str] = {
    "01": "Schleswig-Holstein",
    "02": "Hamburg",
    "03": "Niedersachsen",
    "04": "Bremen",
    "05": "Nordrhein-Westfalen",
    "06": "Hessen",
    "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg",
    "09": "Bayern",
    "10": "Saarland",
    "11": "Berlin",
    "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern",
    "14": "Sachsen",
    "15": "Sachsen-Anhalt",
    "16": "Thüringen",
}


@dataclass(frozen=True)
class District:
    ags: str  # 5 digits
    type: str  # Landkreis, Kreisfreie Stadt, Kreis, Stadtkreis, Regionalverband
    name: str  # official name, e.g. "Potsdam, Stadt"
    nuts3: str
    area_km2: float
    population: int

    @property
    def land(self) -> str:
        return self.ags[:2]

    @property
    def land_name(self) -> str:
        return LAENDER[self.land]

    @property
    def label(self) -> str:
        """What a person picks from a list: name and type, e.g. "Potsdam, Stadt (Kreisfreie Stadt)"."""
        return f"{self.name} ({self.type})"


@lru_cache(maxsize=1)
def _load() -> tuple[District, ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return tuple(
        District(
            ags=row["AGS"].strip(), type=row["type"].strip(), name=row["name"].strip(), nuts3=row["NUTS3"].strip(),
            area_km2=float(row["area_km2"]), population=int(row["population"]),
        )
        for row in rows
    )


@lru_cache(maxsize=1)
def _by_ags() -> dict[str, District]:
    return {d.ags: d for d in _load()}


def all_districts() -> tuple[District, ...]:
    """All 401 districts in AGS order."""
    return _load()


def district(ags: str | None) -> District | None:
    if not ags:
        return None
    return _by_ags().get(ags.strip())


def is_district(ags: str | None) -> bool:
    return district(ags) is not None


def land_name(code: str | None) -> str | None:
    return LAENDER.get(code or "")


def land_of(ags: str | None) -> str | None:
    """The Land code (first two AGS digits) of a known district, else None."""
    found = district(ags)
    return found.land if found else None


def districts_in_land(code: str) -> list[District]:
    return [d for d in _load() if d.land == code]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return " ".join(text.replace(",", " ").split())


def _base_name(name: str) -> str:
    """"Potsdam, Stadt" → "potsdam"; "Kiel, Landeshauptstadt" → "kiel"."""
    return _fold(name.split(",")[0])


def find_district(text: str | None) -> tuple[District | None, str | None]:
    """A district from what a person typed into a spreadsheet: an AGS ("12054", also "12054000"
    for the 8-digit municipality key of a kreisfreie Stadt) or a name ("Potsdam", "Landkreis
    Oder-Spree", "Oder-Spree"). Returns (district, None) or (None, reason) — reason is "unknown" or
    "ambiguous", so the caller can say which."""
    if text is None or not str(text).strip():
        return None, "empty"
    raw = str(text).strip()
    digits = raw.replace(" ", "")
    if digits.isdigit():
        if len(digits) == 4:  # a spreadsheet dropped the leading zero
            digits = "0" + digits
        if len(digits) == 8 and digits.endswith("000"):
            digits = digits[:5]
        found = district(digits)
        return (found, None) if found else (None, "unknown")
    wanted = _fold(raw)
    # The full official name ("München, Landeshauptstadt") or the label is unambiguous; a bare
    # "München" is not (city and Landkreis) and must be told apart by the person.
    exact = [d for d in _load() if _fold(d.label) == wanted or ("," in raw and _fold(d.name) == wanted)]
    if len(exact) == 1:
        return exact[0], None
    for prefix in ("landkreis ", "kreis ", "stadtkreis ", "kreisfreie stadt ", "stadt ", "lk "):
        if wanted.startswith(prefix):
            wanted_base, wanted_type = wanted[len(prefix):], prefix.strip()
            break
    else:
        wanted_base, wanted_type = wanted, None
    matches = [d for d in _load() if _base_name(d.name) == wanted_base]
    if wanted_type and len(matches) > 1:
        city = wanted_type in ("stadt", "kreisfreie stadt", "stadtkreis")
        matches = [d for d in matches if (d.type in ("Kreisfreie Stadt", "Stadtkreis")) == city]
    if len(matches) == 1:
        return matches[0], None
    return None, ("ambiguous" if matches else "unknown")


def choices_by_land() -> dict[str, list[tuple[str, str]]]:
    """For a <select> with one <optgroup> per Land: {Land name: [(AGS, label), …]}."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for code, name in LAENDER.items():
        grouped[name] = [(d.ags, d.label) for d in sorted(districts_in_land(code), key=lambda d: d.name)]
    return grouped
