"""Withdraw, re-activate, move with progress; reminders; release dates; profile; demo seed."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app import clock
from app.catalogue.models import Module
from app.cohorts import services
from app.cohorts.models import Cohort, EnrolmentStatus, ModuleRelease
from app.cohorts.schedule import module_release_dates
from app.errors import DomainError
from app.mail.services import deliver_pending
from app.progress.models import ItemType, ProgressItem
from app.progress.services import complete_item


def test_withdraw_and_reactivate_through_the_page(trainer_browser, make, cohort, db):
    enrolment = make.enrolment(cohort=cohort)
    trainer_browser.get(f"/kohorten/{cohort.id}")
    assert trainer_browser.post(f"/kohorten/{cohort.id}/einschreibungen/{enrolment.id}/zurueckziehen").status_code == 302
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert services.occupied_seats(cohort) == 0
    trainer_browser.post(f"/kohorten/{cohort.id}/einschreibungen/{enrolment.id}/reaktivieren")
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_reactivation_respects_seats(app, make, cohort, db):
    cohort.seats = 1
    first = make.enrolment(cohort=cohort)
    services.withdraw_enrolment(first)
    make.enrolment(cohort=cohort)
    try:
        with app.test_request_context():
            services.reactivate_enrolment(first)
    except DomainError as exc:
        assert "keinen freien Platz" in exc.message
    else:
        raise AssertionError("no seat left")


def test_move_to_another_cohort_of_the_same_course_keeps_progress(trainer_browser, make, cohort, trainer, db):
    target = make.cohort(trainers=[trainer], name="Brandenburg 2027-2")
    enrolment = make.enrolment(cohort=cohort)
    module = db.session.scalar(select(Module).where(Module.slug == "01-grundlagen"))
    complete_item(enrolment, ItemType.LESSON, module.lessons[0].id, module)
    done_before = enrolment.items_done
    trainer_browser.get(f"/kohorten/{cohort.id}/einschreibungen/{enrolment.id}/verschieben")
    response = trainer_browser.post(f"/kohorten/{cohort.id}/einschreibungen/{enrolment.id}/verschieben", {"target_id": target.id})
    assert response.status_code == 302
    db.session.refresh(enrolment)
    assert enrolment.cohort_id == target.id and enrolment.items_done == done_before == 1
    assert db.session.scalar(select(func.count()).select_from(ProgressItem).where(ProgressItem.enrolment_id == enrolment.id)) == 1


def test_move_needs_the_same_course(app, make, cohort, db):
    other_course = Cohort(course_id=cohort.course_id, name="x", land="12", starts_on=date(2027, 1, 1))
    enrolment = make.enrolment(cohort=cohort)
    other_course.course_id = -1  # a cohort of another course
    try:
        with app.test_request_context():
            services.move_enrolment(enrolment, other_course)
    except DomainError as exc:
        assert "desselben Kurses" in exc.message
    else:
        raise AssertionError("moved across courses")


def test_reminders_go_to_the_selected_learners_over_smtp(app, trainer_browser, make, cohort, smtp_server, db):
    chosen = make.enrolment(user=make.user("learner", name="Jörg Müßig"), cohort=cohort)
    make.enrolment(cohort=cohort)
    page = trainer_browser.get(f"/kohorten/{cohort.id}/erinnerung?e={chosen.id}").get_data(as_text=True)
    assert "Ihre Qualifizierung" in page  # the editable template text
    response = trainer_browser.post(f"/kohorten/{cohort.id}/erinnerung", {
        "enrolment_ids": [chosen.id], "subject": "Weiter geht’s", "text": "Bitte schließen Sie Modul 1 diese Woche ab.",
    })
    assert response.status_code == 302
    with app.app_context():
        deliver_pending()
    [received] = smtp_server.messages
    assert received["to"] == [chosen.user.email]
    assert received["message"]["Subject"] == "Weiter geht’s"
    body = received["message"].get_content()
    assert "Guten Tag Jörg Müßig" in body and "Bitte schließen Sie Modul 1 diese Woche ab." in body and "Tom Trainer" in body


def test_reminder_cannot_target_other_cohorts(trainer_browser, make, cohort, db):
    foreign = make.enrolment()
    trainer_browser.get(f"/kohorten/{cohort.id}/erinnerung")
    response = trainer_browser.post(f"/kohorten/{cohort.id}/erinnerung", {
        "enrolment_ids": [foreign.id], "subject": "x", "text": "y",
    })
    assert response.status_code == 200  # not a valid choice, nothing sent
    from app.mail.models import OutgoingMail

    assert db.session.scalar(select(func.count()).select_from(OutgoingMail).where(OutgoingMail.recipient == foreign.user.email)) == 0


def test_trainer_edits_release_dates_and_locks_modules(trainer_browser, browser_for_learner, make, cohort, db):
    modules = cohort.course.active_modules
    first = modules[0]
    lesson = first.lessons[0]
    later = date.today() + timedelta(days=30)
    learner_browser, enrolment = browser_for_learner
    lesson_url = f"/kurse/kurz-kurs/{first.slug}/{lesson.slug}"
    assert learner_browser.get(lesson_url).status_code == 200  # no locks by date yet
    trainer_browser.get(f"/kohorten/{cohort.id}/zeitplan")
    response = trainer_browser.post(f"/kohorten/{cohort.id}/zeitplan", {f"m{first.id}": later.isoformat(), "release_locks": "y"})
    assert response.status_code == 302
    db.session.refresh(cohort)
    assert cohort.release_locks and module_release_dates(cohort, modules)[first.id] == later
    assert "öffnet am" in learner_browser.get("/kurse/kurz-kurs").get_data(as_text=True)
    assert "Dieses Modul öffnet am" in learner_browser.get(f"/kurse/kurz-kurs/{first.slug}").get_data(as_text=True)
    assert learner_browser.get(lesson_url).status_code == 302  # back to the module page
    assert learner_browser.post(f"{lesson_url}/erledigt").status_code == 403
    # an earlier date opens it; clearing the field returns to the default date
    trainer_browser.get(f"/kohorten/{cohort.id}/zeitplan")
    trainer_browser.post(f"/kohorten/{cohort.id}/zeitplan", {f"m{first.id}": (date.today() - timedelta(days=1)).isoformat(), "release_locks": "y"})
    assert learner_browser.get(lesson_url).status_code == 200
    trainer_browser.get(f"/kohorten/{cohort.id}/zeitplan")
    trainer_browser.post(f"/kohorten/{cohort.id}/zeitplan", {f"m{first.id}": "", "release_locks": "y"})
    assert db.session.scalar(select(func.count()).select_from(ModuleRelease).where(ModuleRelease.cohort_id == cohort.id)) == 0
    assert learner_browser.get(lesson_url).status_code == 302  # the default date (cohort start 2027) is binding


def test_without_release_locks_dates_are_only_a_plan(browser_for_learner, cohort, db):
    learner_browser, _ = browser_for_learner
    assert cohort.starts_on > date.today() and not cohort.release_locks
    first = cohort.course.active_modules[0]
    assert learner_browser.get(f"/kurse/kurz-kurs/{first.slug}/{first.lessons[0].slug}").status_code == 200


def test_learner_edits_profile_with_district_and_derived_land(browser, make, db):
    user = make.user("learner")
    browser.login(user)
    page = browser.get("/profil").get_data(as_text=True)
    assert "Destatis" in page and "<optgroup" in page and "Potsdam, Stadt" in page
    response = browser.post("/profil", {"name": "Lena Lernende", "municipality": "Stadt Brandenburg an der Havel",
                                        "district_ags": "12051", "position": "Hauptamt"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.district_ags, user.land, user.municipality, user.position) == ("12051", "12", "Stadt Brandenburg an der Havel", "Hauptamt")
    response = browser.post("/profil", {"name": "Lena", "district_ags": "99999"})
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.district_ags == "12051"


def test_demo_seed_adds_release_dates_and_profile_once(app, db):
    from app.demo import DEMO_COHORT, seed

    with app.app_context():
        created = seed("kurz-kurs")
        assert any(c.startswith("release dates") for c in created) and any(c.startswith("profile of") for c in created)
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
        assert cohort.release_locks and len(cohort.module_releases) == len(cohort.course.active_modules)
        # two modules: both open by today in Berlin, the day the app dates by (23:00–24:00 UTC is already the next)
        assert all(r.opens_on <= clock.today() for r in cohort.module_releases)
        assert seed("kurz-kurs") == []
