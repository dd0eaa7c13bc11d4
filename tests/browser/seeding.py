"""What other people do around a journey, done through the services (call them with LiveApp.run):
an admin sets up a cohort, a trainer invites or grades, a learner hands in. Each returns plain values."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db


def _user(email: str):
    from app.accounts.models import User

    return db.session.scalar(select(User).where(User.email == email))


def _course(slug: str):
    from app.catalogue.models import Course

    return db.session.scalar(select(Course).where(Course.slug == slug))


def create_cohort(course_slug: str, name: str, trainer_email: str, district_ags: str = "12054") -> int:
    """A cohort that started today (every module open) in the district's Land."""
    from app.cohorts.services import create_cohort as create

    cohort = create(_course(course_slug), name, district_ags[:2], district_ags, date.today(), None, 30, [_user(trainer_email)])
    return cohort.id


def invite(cohort_id: int, people: list[tuple[str, str]], by_email: str) -> None:
    """(name, email) pairs get an invitation link by mail, as after a trainer's CSV import."""
    from app.cohorts.importing import InviteeRow
    from app.cohorts.models import Cohort
    from app.cohorts.services import invite as invite_rows

    rows = [InviteeRow(line=n, name=name, email=email) for n, (name, email) in enumerate(people, start=1)]
    invite_rows(db.session.get(Cohort, cohort_id), rows, _user(by_email))


def enrol_learner(cohort_id: int, name: str, email: str, password: str, municipality: str = "Stadt Brandenburg an der Havel",
                  district_ags: str = "12051") -> int:
    """A learner with an account, enrolled and active; returns the enrolment id."""
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
    from app.progress.services import initialise_enrolment

    user = create_user(email, name, Role.LEARNER, password)
    user.municipality, user.district_ags, user.land = municipality, district_ags, district_ags[:2]
    enrolment = Enrolment(user=user, cohort=db.session.get(Cohort, cohort_id), status=EnrolmentStatus.ACTIVE)
    db.session.add(enrolment)
    db.session.flush()
    initialise_enrolment(enrolment)
    return enrolment.id


def _enrolment(learner_email: str, course_slug: str):
    from app.cohorts.models import Cohort, Enrolment

    return db.session.scalar(
        select(Enrolment).join(Cohort).where(Enrolment.user_id == _user(learner_email).id, Cohort.course_id == _course(course_slug).id)
    )


def _assignment(course_slug: str, slug: str):
    from app.catalogue.models import Assignment, Module

    return db.session.scalar(select(Assignment).join(Module).where(Module.course_id == _course(course_slug).id, Assignment.slug == slug))


def hand_in(learner_email: str, course_slug: str, assignment_slug: str, text: str) -> int:
    """The learner writes and hands in a text; returns the submission id."""
    from app.assignments import services

    submission = services.get_or_create_submission(_enrolment(learner_email, course_slug), _assignment(course_slug, assignment_slug))
    services.save_draft(submission, text)
    services.hand_in(submission)
    return submission.id


def grade(learner_email: str, course_slug: str, assignment_slug: str, trainer_email: str, decision: str,
          levels: dict[str, int], comment: str) -> None:
    """A trainer grades the latest version (decision: passed, revision_requested, failed)."""
    from app.assignments import services
    from app.assignments.models import Decision

    submission = services.submission_for(_enrolment(learner_email, course_slug), _assignment(course_slug, assignment_slug))
    services.grade_submission(submission, submission.latest_version, _user(trainer_email), levels, Decision(decision), comment,
                              expected_lock=submission.lock_version)


def complete_course(learner_email: str, course_slug: str) -> str:
    """Every required lesson, quiz and assignment done: the certificate is issued. Returns its number."""
    from app.certificates.services import existing_certificate
    from app.progress.models import ItemType
    from app.progress.services import complete_item, required_items

    enrolment = _enrolment(learner_email, course_slug)
    course = enrolment.cohort.course
    modules = {m.id: m for m in course.modules}
    for module_id, items in required_items(course).items():
        for item_type, item_id in sorted(items, key=lambda item: (item[0] != ItemType.LESSON, item[1])):
            complete_item(enrolment, item_type, item_id, modules[module_id])
    return existing_certificate(enrolment).number


def agency_user(email: str, name: str, password: str, lands: list[str]) -> None:
    """An agency account bound to these Länder (app.admin decides who sees which figures)."""
    from app.accounts.models import Role
    from app.accounts.services import create_user
    from app.admin.services import set_agency_laender

    set_agency_laender(create_user(email, name, Role.AGENCY, password), lands)


def certified_learners(course_slug: str, cohort_name: str, trainer_email: str, district_ags: str, people: list[tuple[str, str]],
                       password: str) -> None:
    """A cohort in the district whose (name, email) learners all hold a certificate."""
    from app.regions import district

    cohort_id = create_cohort(course_slug, cohort_name, trainer_email, district_ags)
    for name, email in people:
        enrol_learner(cohort_id, name, email, password, municipality=district(district_ags).name, district_ags=district_ags)
        complete_course(email, course_slug)
