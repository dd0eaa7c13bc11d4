"""Learners in two Länder — Brandenburg (12) and Bayern (09) — and agency users bound to each."""
from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import shared_world


def complete_course(db, enrolment) -> None:
    """Every required item through the progress service, which issues the certificate."""
    from app.catalogue.models import Module
    from app.progress.services import complete_item, required_items

    for module_id, items in sorted(required_items(enrolment.cohort.course).items()):
        module = db.session.get(Module, module_id)
        for item_type, item_id in sorted(items, key=lambda i: (i[0].value, i[1])):
            complete_item(enrolment, item_type, item_id, module)


def learner(db, make, cohort, ags: str | None, municipality: str | None, complete: bool = False, name: str | None = None):
    from app.accounts.services import update_profile

    user = make.user("learner", name=name)
    update_profile(user, user.name, municipality, ags, None)
    enrolment = make.enrolment(user=user, cohort=cohort)
    if complete:
        complete_course(db, enrolment)
    db.session.flush()
    return enrolment


def agency_user(make, *lands: str, email: str | None = None):
    from app.admin.services import set_agency_laender

    user = make.user("agency", email=email)
    set_agency_laender(user, list(lands))
    return user


@dataclass
class World:
    brandenburg: object  # cohort in Land 12
    bayern: object  # cohort in Land 09
    agency_12: object
    agency_09: object
    admin: object


def build_world(db, make) -> World:
    """Brandenburg: 4 learners in Potsdam (3 certified), 1 certified in Cottbus (a small group),
    1 without a profile (counts for the cohort's Land). Bayern: 5 certified learners in München."""
    brandenburg = make.cohort(name="Brandenburg 2027-1", land="12")
    bayern = make.cohort(name="Bayern 2027-1", land="09")
    for index in range(4):
        learner(db, make, brandenburg, "12054", "Landeshauptstadt Potsdam", complete=index < 3)
    learner(db, make, brandenburg, "12052", "Cottbus/Chóśebuz", complete=True, name="Jürgen Müßig")
    learner(db, make, brandenburg, None, None)
    for _index in range(5):
        learner(db, make, bayern, "09162", "Weißwurstheim", complete=True)
    world = World(brandenburg, bayern, agency_user(make, "12"), agency_user(make, "09"), make.user("admin"))
    db.session.commit()
    return world


# Built once per module and worker; each test gets the same objects in a savepoint of the
# module's transaction, rolled back after the test (tests/conftest.py, shared_world).
built_world, world = shared_world(build_world)


def havel_group(db, make, world) -> None:
    """Four certified learners in Brandenburg an der Havel (12051), the first named Hanna Havel:
    a group the register may list (Potsdam's 3 then become the complement hiding Cottbus's 1)."""
    for index in range(4):
        learner(db, make, world.brandenburg, "12051", "Brandenburg an der Havel", complete=True,
                name="Hanna Havel" if index == 0 else None)
    db.session.commit()


class QueryCounter:
    """Counts the SQL statements the app sends while active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)

    def __enter__(self):
        from flask import has_app_context
        from sqlalchemy import event

        from app import jobs

        if has_app_context():
            jobs.run_committed()  # the setup's own background work (its mails) runs now, not inside what is counted
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)
