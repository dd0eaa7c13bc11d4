"""Synthetic data at scale for the agency's figures and the reporting benchmark:
`flask --app wsgi demo generate --learners 100000`.

Cohorts across all Länder and districts (weighted by population, some districts without any
participant, so the coverage figures have something to show), learners with a profile
(municipality, district, Land), enrolments, the completion events (`ProgressItem`) of every item
they finished, module and course completion, and signed certificates — spread over the last three
years, so recent cohorts are still learning and older ones have finished or dropped out.

Idempotent and deterministic: learner number i is always built from the same random stream, and a
run creates only the learners (and their cohorts) that are missing — running `--learners 1000`
twice leaves 1,000 generated learners; `--learners 2000` afterwards adds the next 1,000.
Fast: rows get their ids up front and go in with executemany (PostgreSQL: COPY) — no ORM objects,
no per-row round trips."""
from __future__ import annotations

import hashlib
import random
import secrets
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import accumulate

from sqlalchemy import func, insert, select, text

from app import clock
from app.extensions import db

EMAIL_DOMAIN = "demo.invalid"
EMAIL_PATTERN = "gen-{:06d}@" + EMAIL_DOMAIN
COHORT_PREFIX = "Demo-Kohorte "
COHORT_SIZE = 24
YEARS = 3
BATCH = 2_000  # learners per flush

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katharina", "Lukas",
    "Marie", "Niklas", "Olga", "Paul", "Ronja", "Sebastian", "Tanja", "Uwe", "Vera", "Wolfgang", "Yasemin",
    "Zoe", "Andreas", "Birgit", "Christian", "Doris", "Emre", "Frauke", "Günter", "Heike", "Ingo", "Jana",
    "Karsten", "Lea", "Mehmet", "Nadine", "Oliver", "Petra", "Ralf", "Sabine", "Thomas", "Ulrike", "Volker",
    "Sören", "Jürgen", "Mia", "Leonie", "Hüseyin", "Małgorzata", "Dragan", "Svenja", "Till", "Merle",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
    "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Yılmaz", "Kowalski",
    "Nowak", "Özdemir", "Jansen", "Friedrich", "Vogel", "Günther", "Lorenz", "Brandt", "Haas",
)
POSITIONS = (
    "Fachbereich Digitalisierung", "Hauptamt", "Stabsstelle Smart City", "Wirtschaftsförderung", "Bauamt",
    "Ordnungsamt", "Bürgerservice", "IT-Abteilung", "Stadtplanung", "Kämmerei", "Büro der Bürgermeisterin",
    "Klimaschutzmanagement", "Sozialamt", "Umweltamt",
)
_TOWN_START = ("Alt", "Neu", "Ober", "Nieder", "Groß", "Klein", "Wald", "Berg", "Linden", "Rosen", "Stein",
               "Hohen", "Wester", "Oster", "Eichen", "Buchen", "Wiesen", "Mühl", "Kirch", "Sand")
_TOWN_END = ("dorf", "hausen", "feld", "heim", "berg", "bach", "burg", "stedt", "au", "hagen", "rode", "walde",
             "brück", "ingen", "beck")


@dataclass
class GenerateReport:
    learners: int = 0
    cohorts: int = 0
    enrolments: int = 0
    progress_items: int = 0
    certificates: int = 0
    existing_learners: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.learners} learners, {self.cohorts} cohorts, {self.enrolments} enrolments, "
                f"{self.progress_items} progress events, {self.certificates} certificates created "
                f"({self.existing_learners} generated learners were there already) in {self.seconds:.1f} s")


# -- regions: where people come from -------------------------------------------------------------

def _stable_unit(*parts) -> float:
    """A number in [0, 1) that depends only on `parts` (not on PYTHONHASHSEED)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def district_weights(seed: int) -> tuple[list, list[float]]:
    """Districts and cumulative weights: population × an interest factor; about one district in
    eight takes part in nothing (factor 0)."""
    from app.regions import all_districts

    districts = list(all_districts())
    weights = []
    for d in districts:
        u = _stable_unit(seed, "district", d.ags)
        weights.append(0.0 if u < 0.12 else d.population * (0.3 + 1.4 * _stable_unit(seed, "factor", d.ags)))
    return districts, list(accumulate(weights))


def municipalities(district, seed: int) -> list[str]:
    """Plausible municipality names for a district: the city itself, or the district office and a
    handful of towns with made-up names."""
    base = district.name.split(",")[0].strip()
    if district.type in ("Kreisfreie Stadt", "Stadtkreis"):
        return [base]
    rng = random.Random(f"{seed}:towns:{district.ags}")  # nosec B311 - seeded synthetic demo data, nothing secret
    towns = {f"{rng.choice(_TOWN_START)}{rng.choice(_TOWN_END)}" for _ in range(rng.randint(4, 9))}
    return [f"Kreisverwaltung {base}"] + sorted(towns)


# -- the course: what a learner completes, in order ----------------------------------------------

@dataclass
class CourseShape:
    id: int
    slug: str
    prefix: str
    validity_years: int | None
    modules: list[tuple[int, list[tuple]]]  # (module id, [(ItemType, item id), …]) in course order

    @property
    def items_total(self) -> int:
        return sum(len(items) for _m, items in self.modules)


def course_shapes() -> list[CourseShape]:
    from app.catalogue.models import Course, Module
    from app.progress.models import ItemType
    from app.progress.services import required_items

    shapes = []
    for course in db.session.scalars(select(Course).where(Course.archived_at.is_(None)).order_by(Course.id)):
        required = required_items(course)
        order = {m.id: m.position for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
        rank = {ItemType.LESSON: 0, ItemType.QUIZ: 1, ItemType.ASSIGNMENT: 2}
        modules = [(module_id, sorted(items, key=lambda i: (rank[i[0]], i[1])))
                   for module_id, items in sorted(required.items(), key=lambda kv: order.get(kv[0], 0))]
        settings = course.certificate or {}
        shapes.append(CourseShape(course.id, course.slug, settings.get("prefix", "CERT"), settings.get("validity_years"), modules))
    return shapes


# -- generation ----------------------------------------------------------------------------------

def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _at(day: date, rng: random.Random) -> datetime:
    """A moment during office hours (Berlin, roughly) on that day, in UTC."""
    return datetime.combine(day, time(6, 0), tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 10 * 60))


def generated_learner_count() -> int:
    from app.accounts.models import User

    return db.session.scalar(select(func.count(User.id)).where(User.email.like(f"gen-%@{EMAIL_DOMAIN}"))) or 0


def generate(learners: int, seed: int = 2027, today: date | None = None, progress=None) -> GenerateReport:
    """Adds generated learners up to `learners` in total (see the module docstring). Flushes in
    batches; the caller commits."""
    import time as timer

    from app.accounts.models import Role, User
    from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from app.progress.models import ItemType, ProgressItem
    from app.regions import district as district_of, districts_in_land

    started = timer.perf_counter()
    report = GenerateReport()
    today = today or clock.today()
    now = datetime.combine(today, time(18, 0), tzinfo=timezone.utc)
    shapes = course_shapes()
    if not shapes:
        raise ValueError("no course imported: run 'flask --app wsgi courses import courses/' first")
    existing = generated_learner_count()
    report.existing_learners = existing
    if existing >= learners:
        report.seconds = timer.perf_counter() - started
        return report
    districts, cumulative = district_weights(seed)
    towns: dict[str, list[str]] = {}
    cohorts = {name.split(" (")[0]: (cid, course_id, starts_on, ags) for name, cid, course_id, starts_on, ags in db.session.execute(
        select(Cohort.name, Cohort.id, Cohort.course_id, Cohort.starts_on, Cohort.district_ags).where(Cohort.name.like(COHORT_PREFIX + "%")))}
    by_id = {s.id: s for s in shapes}
    ids = {"user": _next_id(User), "cohort": _next_id(Cohort), "enrolment": _next_id(Enrolment), "item": _next_id(ProgressItem)}
    certificates = CertificateWriter(shapes, seed)

    def cohort_for(number: int):
        name = f"{COHORT_PREFIX}{number + 1:05d}"
        if name in cohorts:
            return name, cohorts[name]
        rng = random.Random(f"{seed}:cohort:{number}")  # nosec B311 - seeded synthetic demo data, nothing secret
        place = districts[bisect(cumulative, rng.random() * cumulative[-1])]
        shape = shapes[0] if len(shapes) == 1 or rng.random() < 0.85 else rng.choice(shapes[1:])
        starts_on = today - timedelta(days=rng.randint(21, YEARS * 365))
        row = {"id": ids["cohort"], "course_id": shape.id, "name": f"{name} ({place.land_name}, {place.name.split(',')[0]})",
               "land": place.land, "district_ags": place.ags, "starts_on": starts_on, "ends_on": starts_on + timedelta(weeks=16),
               "seats": 30, "release_locks": False, "created_at": _at(starts_on - timedelta(days=30), rng)}
        ids["cohort"] += 1
        new_cohorts.append(row)
        cohorts[name] = (row["id"], shape.id, starts_on, place.ags)
        report.cohorts += 1
        return name, cohorts[name]

    new_cohorts: list[dict] = []
    users: list[dict] = []
    enrolments: list[dict] = []
    items: list[tuple] = []

    def flush() -> None:
        if new_cohorts:
            db.session.execute(insert(Cohort), new_cohorts)
        if users:
            db.session.execute(insert(User), users)
        if enrolments:
            db.session.execute(insert(Enrolment), enrolments)
        _copy_progress(items)
        certificates.flush()
        report.progress_items += len(items)
        for batch in (new_cohorts, users, enrolments, items):
            batch.clear()
        if progress:
            progress(report)

    for index in range(existing, learners):
        rng = random.Random(f"{seed}:learner:{index}")  # nosec B311 - seeded synthetic demo data, nothing secret
        _name, (cohort_id, course_id, starts_on, cohort_ags) = cohort_for(index // COHORT_SIZE)
        shape = by_id.get(course_id, shapes[0])
        home = district_of(cohort_ags)
        if rng.random() < 0.1:  # now and then someone from elsewhere in the Land
            home = rng.choice(districts_in_land(home.land))
        if home.ags not in towns:
            towns[home.ags] = municipalities(home, seed)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        user_id = ids["user"]
        ids["user"] += 1
        enrolled_on = starts_on - timedelta(days=rng.randint(0, 14))
        enrolled_at = _at(enrolled_on, rng)
        users.append({
            "id": user_id, "email": EMAIL_PATTERN.format(index + 1), "name": f"{first} {last}", "password_hash": None,  # nosec B105 - generated learners cannot log in
            "role": Role.LEARNER, "locale": "de", "active": True,
            "created_at": enrolled_at - timedelta(days=1), "municipality": rng.choice(towns[home.ags]),
            "district_ags": home.ags, "land": home.land, "position": rng.choice(POSITIONS),
        })
        enrolment_id = ids["enrolment"]
        ids["enrolment"] += 1
        # How this learner goes: most finish within 8–40 weeks; some stop part-way.
        weeks = rng.uniform(8, 40)
        stops_at = rng.uniform(0.05, 0.9) if rng.random() < 0.22 else None
        withdrawn = stops_at is not None and rng.random() < 0.4
        finish_at = enrolled_at + timedelta(weeks=weeks)
        total = shape.items_total
        elapsed = (now - enrolled_at) / (finish_at - enrolled_at)
        share = min(1.0, max(0.0, elapsed), stops_at if stops_at is not None else 1.0)
        done_count = int(share * total) if share < 1.0 else total
        span = finish_at - enrolled_at
        position, completed_at, last_moment = 0, None, enrolled_at
        for module_id, module_items in shape.modules:
            module_done_at = None
            for item_type, item_id in module_items:
                if position >= done_count:
                    break
                position += 1
                moment = enrolled_at + span * (position / total) + timedelta(minutes=rng.randint(-600, 600))
                moment = max(enrolled_at + timedelta(minutes=5), min(moment, now))
                moment = max(moment, last_moment)  # in course order
                items.append((ids["item"], enrolment_id, item_type, item_id, moment))
                ids["item"] += 1
                module_done_at = last_moment = moment
            else:
                if module_done_at is not None or not module_items:
                    moment = module_done_at or enrolled_at
                    items.append((ids["item"], enrolment_id, ItemType.MODULE, module_id, moment))
                    ids["item"] += 1
                continue
            break
        if done_count == total and total:
            completed_at = last_moment
            items.append((ids["item"], enrolment_id, ItemType.COURSE, shape.id, completed_at))
            ids["item"] += 1
        status = (EnrolmentStatus.COMPLETED if completed_at else EnrolmentStatus.WITHDRAWN if withdrawn and share >= stops_at
                  else EnrolmentStatus.ACTIVE)
        enrolments.append({
            "id": enrolment_id, "user_id": user_id, "cohort_id": cohort_id, "status": status, "enrolled_at": enrolled_at,
            "completed_at": completed_at, "items_done": done_count, "items_total": total,
        })
        if completed_at:
            certificates.add(shape, enrolment_id, f"{first} {last}", completed_at, _name)
        report.learners += 1
        report.enrolments += 1
        if len(users) >= BATCH:
            flush()
    flush()
    certificates.finish()
    report.certificates = certificates.count
    _reset_sequences()
    # the rows above bypassed the ORM, so the reporting facts are derived once for everything
    from app.reporting import facts

    facts.rebuild(db.session.connection())
    report.seconds = timer.perf_counter() - started
    return report


def _copy_progress(items: list[tuple]) -> None:
    """Progress events: COPY on PostgreSQL (the bulk of the rows), executemany elsewhere."""
    from app.progress.models import ProgressItem

    if not items:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy("COPY progress_items (id, enrolment_id, item_type, item_id, completed_at) FROM STDIN") as copy:
                for row in items:
                    copy.write_row((row[0], row[1], row[2].value, row[3], row[4]))
        return
    # SQLite: straight to the driver, in the format SQLAlchemy stores UTC timestamps in (naive ISO
    # text), which skips the per-row parameter processing — most of the time for millions of rows.
    connection.exec_driver_sql(
        f"INSERT INTO {ProgressItem.__tablename__} (id, enrolment_id, item_type, item_id, completed_at) VALUES (?, ?, ?, ?, ?)",  # nosec B608 - table name from the model; values are bound parameters
        [(i, e, t.value, item, at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")) for i, e, t, item, at in items],
    )


def _reset_sequences() -> None:
    """PostgreSQL: rows were inserted with explicit ids, so move each id sequence past them."""
    if db.session.connection().dialect.name != "postgresql":
        return
    for table in ("users", "cohorts", "enrolments", "progress_items", "certificates"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"))  # nosec B608 - table names from the models, not from input


class CertificateWriter:
    """Certificates as the certificates feature issues them: a snapshot of the course (built once
    per course with `app.certificates.snapshot.snapshot`), the learner's name, a sequential number
    per prefix and year continuing the real counter, an unguessable code, an Ed25519 signature."""

    def __init__(self, shapes: list[CourseShape], seed: int):
        self.shapes = shapes
        self.templates: dict[int, dict] = {}
        self.rows: list[dict] = []
        self.counters: dict[tuple[str, int], int] = {}
        self.count = 0
        self.next_id = None

    def _template(self, shape: CourseShape) -> dict:
        if shape.id not in self.templates:
            from app.accounts.models import User
            from app.catalogue.models import Course
            from app.certificates.snapshot import snapshot, store_assets
            from app.cohorts.models import Cohort, Enrolment

            course = db.session.get(Course, shape.id)
            stand_in = Enrolment(user=User(name="–"), cohort=Cohort(name="–", course=course))
            data, assets = snapshot(stand_in, "–", "–", clock.today(), None)
            for obj in (stand_in, stand_in.user, stand_in.cohort):  # a stand-in, never to be saved
                if obj in db.session:
                    db.session.expunge(obj)
            store_assets(assets)
            self.templates[shape.id] = data
        return self.templates[shape.id]

    def _number(self, prefix: str, year: int) -> int:
        from app.certificates.models import CertificateCounter

        key = (prefix, year)
        if key not in self.counters:
            self.counters[key] = db.session.scalar(select(CertificateCounter.last_number).where(
                CertificateCounter.prefix == prefix, CertificateCounter.year == year)) or 0
        self.counters[key] += 1
        return self.counters[key]

    def add(self, shape: CourseShape, enrolment_id: int, name: str, issued_at: datetime, cohort_name: str) -> None:
        from app.certificates import signing
        from app.certificates.keys import signing_key
        from app.certificates.models import Certificate, CertificateStatus
        from app.certificates.services import _add_years
        from app.certificates.verification import verification_url

        if self.next_id is None:
            self.next_id = _next_id(Certificate)
            self.key = signing_key()
            self.key_id = signing.key_id(self.key)
        issued_on = clock.local_date(issued_at)
        number = f"{shape.prefix}-{issued_on.year}-{self._number(shape.prefix, issued_on.year):05d}"
        code = secrets.token_urlsafe(18)
        expires_on = _add_years(issued_on, shape.validity_years) if shape.validity_years else None
        data = dict(self._template(shape), name=name, number=number, verify_url=verification_url(code),
                    issued_on=issued_on.isoformat(), expires_on=expires_on.isoformat() if expires_on else None, cohort=cohort_name)
        self.rows.append({
            "id": self.next_id, "enrolment_id": enrolment_id, "version": 1, "number": number, "code": code, "kind": data["kind"],
            "issued_at": issued_at, "expires_on": expires_on, "data": data, "status": CertificateStatus.VALID,
            "signature": signing.sign(self.key, signing.canonical(data)), "signing_key_id": self.key_id,
        })
        self.next_id += 1
        self.count += 1

    def flush(self) -> None:
        from app.certificates.models import Certificate

        if self.rows:
            db.session.execute(insert(Certificate), self.rows)
            self.rows.clear()

    def finish(self) -> None:
        """Moves the real number counters past the numbers used here."""
        from app.certificates.models import CertificateCounter

        self.flush()
        for (prefix, year), last in self.counters.items():
            row = db.session.get(CertificateCounter, (prefix, year))
            if row is None:
                db.session.add(CertificateCounter(prefix=prefix, year=year, last_number=last))
            else:
                row.last_number = max(row.last_number, last)
        db.session.flush()
