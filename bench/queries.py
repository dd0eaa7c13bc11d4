"""SQL statements per page, counted in-process with a SQLAlchemy event, as the data grow.

Each page is requested twice through Flask's test client and the second request counted (the
first warms per-process caches). The count must not depend on how many learners, cohorts,
attempts or submissions exist: a page whose count grows with the data has an N+1 query."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import event, select

from bench.client import quiz_answers


@dataclass(frozen=True)
class Page:
    label: str
    who: str  # "learner" | "trainer" | "agency"
    path: object  # fixture → path (callable) so paths follow the fixture
    method: str = "GET"


def _learner_pages() -> list[Page]:
    return [
        Page("learner dashboard", "learner", lambda f: f.dashboard_path),
        Page("course page", "learner", lambda f: f"/kurse/{f.course_slug}"),
        Page("module page", "learner", lambda f: f"/kurse/{f.course_slug}/{f.module_slug}"),
        Page("lesson page", "learner", lambda f: f.lesson_path),
        Page("quiz overview", "learner", lambda f: f.quiz_overview_path),
        Page("assignment page", "learner", lambda f: f.assignment_path),
        Page("quiz attempt page", "pool", lambda f: f"/versuche/{f.pool_attempt_ids[-1]}"),
        Page("quiz submission (POST)", "pool", None, "POST"),
        Page("trainer: cohorts", "trainer", lambda f: "/kohorten"),
        Page("trainer: cohort page", "trainer", lambda f: f"/kohorten/{f.cohort_id}"),
        Page("trainer: progress matrix", "trainer", lambda f: f"/kohorten/{f.cohort_id}/matrix"),
        Page("trainer: grading queue", "trainer", lambda f: "/bewertung"),
    ]


def agency_dashboard_endpoint(app) -> str | None:
    """The agency dashboard's endpoint once app/reporting exists: a GET route of the `reporting`
    blueprint without URL arguments (preferring one named dashboard/index)."""
    candidates = [
        rule for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("reporting.") and "GET" in rule.methods and not rule.arguments
        and not rule.rule.endswith((".xlsx", ".csv", ".json", ".zip"))
    ]
    candidates.sort(key=lambda r: (r.endpoint.split(".")[-1] not in ("dashboard", "index"), len(r.rule)))
    return candidates[0].endpoint if candidates else None


def pages(app) -> list[Page]:
    result = _learner_pages()
    endpoint = agency_dashboard_endpoint(app)
    if endpoint:
        with app.test_request_context():
            path = url_for(endpoint)
        result.append(Page("agency dashboard", "agency", lambda f, p=path: p))
    return result


@contextmanager
def counting(engine):
    """Counts the statements sent to the database inside the block: `with counting(e) as n: …; n[0]`."""
    count = [0]

    def before(conn, cursor, statement, parameters, context, executemany):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _login(client, email: str) -> None:
    from app.accounts.models import User
    from app.accounts.services import start_session
    from app.extensions import db

    user = db.session.scalar(select(User).where(User.email == email))
    start_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    db.session.remove()


def count_pages(app, fixture) -> dict[str, tuple[int, int]]:
    """label → (HTTP status, statements) for every page, at the data size the database has now.
    Needs an app with WTF_CSRF_ENABLED=False and at least two unused attempts in the quiz pool."""
    from app.extensions import db

    if len(fixture.pool_attempt_ids) < 2:
        raise ValueError("count_pages needs two open attempts in the quiz pool (data.add_quiz_pool)")
    clients = {}
    emails = {"learner": fixture.learner_email, "trainer": fixture.trainer_email, "agency": fixture.agency_email,
              "pool": fixture.pool_email}
    results = {}
    with app.app_context():
        engine = db.engine
    for page in pages(app):
        client = clients.get(page.who)
        if client is None:
            client = clients[page.who] = app.test_client()
            with app.app_context():
                _login(client, emails[page.who])
        if page.method == "POST":
            results[page.label] = _count_submissions(client, engine, fixture)
            continue
        path = page.path(fixture)
        client.get(path)  # warm-up
        with counting(engine) as count:
            response = client.get(path)
        results[page.label] = (response.status_code, count[0])
    return results


def _count_submissions(client, engine, fixture) -> tuple[int, int]:
    """Submits two open attempts of the pool (the first warms up), counting the second."""
    status = 0
    for attempt_id in (fixture.pool_attempt_ids.pop(), fixture.pool_attempt_ids.pop()):
        page = client.get(f"/versuche/{attempt_id}")
        data = {**quiz_answers(page.get_data(as_text=True)), "action": "submit"}
        with counting(engine) as count:
            response = client.post(f"/versuche/{attempt_id}", data=data)
        status = response.status_code
    return status, count[0]


def measure_growth(app, fixture, base: int, factors=(1, 10, 100), trainer_cohort: int = 5, log=print) -> dict:
    """Counts at base·1, base·10, base·100 generated learners (the demo cohort grows along:
    trainer_cohort·factor). Returns {"sizes": [...], "pages": {label: [(status, count), ...]}}."""
    from bench import data
    from app.extensions import db

    sizes, table = [], {}
    grown, grown_cohort = 0, 0
    for factor in factors:
        with app.app_context():
            data.grow(fixture, base * factor - grown, trainer_cohort * factor - grown_cohort)
            grown, grown_cohort = base * factor, trainer_cohort * factor
            learners = db.session.scalar(select(db.func.count()).select_from(db.metadata.tables["users"]))
            if len(fixture.pool_attempt_ids) < 2:
                data.add_quiz_pool(fixture, 4)
            db.session.remove()
        sizes.append(learners)
        log(f"  query counts at {learners:,} users ({factor}×)")
        for label, result in count_pages(app, fixture).items():
            table.setdefault(label, []).append(result)
    return {"sizes": sizes, "pages": table}


def constant(counts: list[tuple[int, int]]) -> bool:
    return len({c for _, c in counts}) == 1
