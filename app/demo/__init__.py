"""Demo data: `flask --app wsgi demo seed` (idempotent)."""
from __future__ import annotations

import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app import clock

cli = AppGroup("demo", help="Demo data.")

DEMO_USERS = (
    ("learner@example.org", "Lena Lernende", "learner"),
    ("trainer@example.org", "Tom Trainer", "trainer"),
    ("agency@example.org", "Anna Agentur", "agency"),
    ("admin@example.org", "Ada Admin", "admin"),
)
DEMO_COURSE = "smart-city-manager"
DEMO_COHORT = "Brandenburg 2027-1 (Demo)"


def seed(course_slug: str = DEMO_COURSE) -> list[str]:
    """Creates what is missing and changes nothing that exists; returns what it created."""
    from app.accounts.models import Role, User
    from app.accounts.passwords import hash_password
    from app.catalogue.models import Course
    from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from app.extensions import db
    from app.progress.services import initialise_enrolment

    created = []
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        raise click.ClickException(f"course {course_slug!r} is not imported: run 'flask --app wsgi courses import courses/' first")
    users = {}
    password_hash = None
    for email, name, role in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            password_hash = password_hash or hash_password(current_app.config["DEMO_PASSWORD"])
            user = User(email=email, name=name, role=Role(role), password_hash=password_hash)
            db.session.add(user)
            created.append(f"user {email}")
        users[role] = user
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
    if cohort is None:
        cohort = Cohort(name=DEMO_COHORT, course=course, land="12", district_ags="12054", starts_on=date(2027, 1, 11), ends_on=date(2027, 3, 26), seats=25)
        cohort.trainers.append(users["trainer"])
        db.session.add(cohort)
        created.append(f"cohort {DEMO_COHORT}")
    db.session.flush()
    learner = users["learner"]
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id, Enrolment.cohort_id == cohort.id))
    if enrolment is None:
        enrolment = Enrolment(user=learner, cohort=cohort, status=EnrolmentStatus.ACTIVE)
        db.session.add(enrolment)
        db.session.flush()
        initialise_enrolment(enrolment)
        created.append(f"enrolment of {learner.email}")
    created += _seed_schedule_and_profile(cohort, learner)
    created += _seed_agency_scope(users["agency"], cohort.land)
    db.session.flush()
    return created


def _seed_agency_scope(agency, land: str) -> list[str]:
    """The demo agency user sees the demo cohort's Land (only if bound to none yet): an agency
    account without a Land sees no figures at all."""
    from app.admin.models import AgencyScope
    from app.extensions import db

    if db.session.scalar(select(AgencyScope.land).where(AgencyScope.user_id == agency.id).limit(1)) is not None:
        return []
    db.session.add(AgencyScope(user_id=agency.id, land=land))
    return [f"Land {land} for {agency.email}"]


def _seed_schedule_and_profile(cohort, learner) -> list[str]:
    """Release dates for the demo cohort (only if it has none) and a profile for the demo learner
    (only if empty). Dates count from today so the demo always shows open modules and, in longer
    courses, a few that open later; the schedule binds (release_locks)."""
    from datetime import timedelta

    from app.cohorts.models import ModuleRelease
    from app.extensions import db

    created = []
    modules = [m for m in cohort.course.modules if m.archived_at is None]
    if modules and not cohort.module_releases:
        later = len(modules) // 3  # the last third opens in the coming weeks
        today = clock.today()
        first_open = len(modules) - later
        for index, module in enumerate(modules):
            weeks = index - first_open + 1  # open ones in the past weeks, the rest weekly from next week
            cohort.module_releases.append(ModuleRelease(module_id=module.id, opens_on=today + timedelta(weeks=weeks)))
        cohort.release_locks = True
        created.append(f"release dates of {cohort.name}")
    if not learner.district_ags:
        learner.municipality = learner.municipality or "Landeshauptstadt Potsdam"
        learner.district_ags, learner.land = "12054", "12"
        learner.position = learner.position or "Fachbereich Digitalisierung"
        created.append(f"profile of {learner.email}")
    db.session.flush()
    return created


@cli.command("seed")
@click.option("--course", "course_slug", default=DEMO_COURSE, show_default=True)
def seed_command(course_slug: str) -> None:
    """Create the demo users, a cohort and an enrolment (running it twice changes nothing)."""
    from app.extensions import db

    created = seed(course_slug)
    db.session.commit()
    click.echo("created: " + ", ".join(created) if created else "demo data already present, nothing changed")
    click.echo(f"demo logins (password: {current_app.config['DEMO_PASSWORD']}):")
    for email, _name, role in DEMO_USERS:
        click.echo(f"  {role:8} {email}")


@cli.command("generate")
@click.option("--learners", type=click.IntRange(min=0), required=True, help="generated learners in total (existing ones count)")
@click.option("--seed", type=int, default=2027, show_default=True, help="same seed, same data")
def generate_command(learners: int, seed: int) -> None:
    """Synthetic cohorts, learners, progress events and certificates over three years, for the
    agency's figures and the benchmark (running it twice changes nothing)."""
    from app.demo.generate import generate
    from app.extensions import db

    def show(report) -> None:
        click.echo(f"  … {report.existing_learners + report.learners} learners", err=True)

    try:
        report = generate(learners, seed=seed, progress=show)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(str(report))
