"""Account deletion: personal data gone everywhere, the agency's figures unchanged, the
certificate still verifiable without the name, sessions ended, no login possible."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import PasswordResetToken, User
from app.assignments.models import Grading, Submission, SubmissionFile, SubmissionVersion
from app.audit.models import AuditEvent
from app.certificates.models import Certificate
from app.cohorts.models import Cohort, Enrolment, Invitation, cohort_trainers
from app.mail.models import OutgoingMail
from app.privacy import rules
from app.privacy.services import delete_account, is_deleted
from app.progress.models import ProgressItem
from app.quizzes.models import QuizAttempt
from tests.privacy.conftest import build_rich_learner, stored_files

PASSWORD = "ein-sicheres-passwort"


def aggregates(db) -> dict:
    """What the agency counts: enrolments, completions, progress events, quiz and grading results,
    certificates — by cohort, district and Land."""
    def rows(query):
        return sorted(tuple(r) for r in db.session.execute(query))

    return {
        "enrolments_by_district": rows(select(User.district_ags, func.count(Enrolment.id)).join(Enrolment.user).group_by(User.district_ags)),
        "enrolments_by_land": rows(select(User.land, func.count(Enrolment.id)).join(Enrolment.user).group_by(User.land)),
        "completed_by_land": rows(select(User.land, func.count(Enrolment.id)).join(Enrolment.user)
                                  .where(Enrolment.completed_at.is_not(None)).group_by(User.land)),
        "enrolments_by_cohort": rows(select(Enrolment.cohort_id, Enrolment.status, func.count()).group_by(Enrolment.cohort_id, Enrolment.status)),
        "cohort_land": rows(select(Cohort.land, func.count(Enrolment.id)).join(Enrolment).group_by(Cohort.land)),
        "progress": rows(select(ProgressItem.enrolment_id, ProgressItem.item_type, func.count(), func.min(ProgressItem.completed_at))
                         .group_by(ProgressItem.enrolment_id, ProgressItem.item_type)),
        "quiz": rows(select(QuizAttempt.enrolment_id, QuizAttempt.score, QuizAttempt.passed)),
        "gradings": rows(select(Grading.version_id, Grading.points, Grading.decision)),
        "versions": rows(select(SubmissionVersion.submission_id, SubmissionVersion.number, SubmissionVersion.late)),
        "certificates": rows(select(Certificate.number, Certificate.status, Certificate.issued_at)),
        "certificates_by_land": rows(select(User.land, func.count(Certificate.id)).join(Enrolment, Certificate.enrolment_id == Enrolment.id)
                                     .join(User, Enrolment.user_id == User.id).group_by(User.land)),
    }


def everything_stored(db) -> str:
    """Every value of every row of every table, as one string."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            parts.append(repr(tuple(row)))
    return "\n".join(parts)


@pytest.fixture()
def other(db, make):
    """A second learner in another district and Land, who stays."""
    return build_rich_learner(db, make, district_ags="09162", name="Bernd Bleibt", municipality="München")


def test_personal_data_are_gone_from_every_table(db, rich, other, file_store):
    user = rich.user
    secrets_of_user = [user.name, user.email, user.password_hash, "Stadt Brandenburg", "Parkraumprojekt in Stadt",
                       "Bitte den Bezug zu Stadt Brandenburg", f"kontakt.{rich.enrolment.id}@kommune.example"]
    before = everything_stored(db)
    assert all(s in before for s in secrets_of_user)

    keys = delete_account(user, deleted_by=user, by="self")
    db.session.flush()

    after = everything_stored(db)
    for value in secrets_of_user:
        assert value not in after, value
    assert "Bernd Bleibt" in after and other.user.email in after  # nobody else is touched
    assert user.name == rules.ERASED_NAME and "@" not in user.email and is_deleted(user)
    assert user.password_hash is None and user.municipality is None and user.position is None and not user.active
    assert (user.district_ags, user.land) == ("12054", "12")  # what the agency counts by stays
    assert len(keys) == 2 and len(stored_files(file_store)) == 4  # the caller removes the files after commit


def test_discussion_posts_lose_their_author_and_the_directory_entry_goes(db, rich):
    from app.directory.models import DirectoryEntry
    from app.discussions.models import DiscussionPost, DiscussionThread

    user = rich.user
    delete_account(user, user, by="self")
    db.session.flush()
    db.session.expire_all()
    thread = db.session.scalar(select(DiscussionThread))
    assert thread.author_id is None and [p.author_id for p in thread.posts] == [None, rich.trainer.id]
    assert thread.posts[0].body == "Wie fangen wir mit offenen Daten an?"  # the thread still reads
    assert thread.posts[1].body == f"Gute Frage, {rules.ERASED_NAME}! Beginnen Sie mit dem Haushalt."
    assert db.session.scalar(select(func.count()).select_from(DirectoryEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(DiscussionPost)) == 2


def test_placeholders_are_unique(db, make, rich, other):
    delete_account(rich.user, None, by="admin")
    delete_account(other.user, None, by="admin")
    db.session.flush()
    assert rich.user.email != other.user.email


def test_aggregates_by_district_and_land_stay_the_same(db, rich, other):
    before = aggregates(db)
    assert dict(before["enrolments_by_land"]) == {"12": 1, "09": 1}
    delete_account(rich.user, rich.user, by="self")
    db.session.flush()
    db.session.expire_all()
    assert aggregates(db) == before
    assert db.session.scalar(select(func.count()).select_from(ProgressItem).where(ProgressItem.enrolment_id == rich.enrolment.id)) > 0


def test_submission_texts_files_and_feedback_are_erased_but_decisions_stay(db, rich):
    delete_account(rich.user, rich.user, by="self")
    db.session.flush()
    db.session.expire_all()
    submission = db.session.scalar(select(Submission).where(Submission.enrolment_id == rich.enrolment.id))
    assert submission.draft_text == "" and [v.text for v in submission.versions] == ["", ""]
    assert [(g.decision.value, g.points, g.comment) for v in submission.versions for g in v.gradings] == [
        ("revision_requested", 0, ""), ("passed", 2, "")]
    assert db.session.scalar(select(func.count()).select_from(SubmissionFile).where(SubmissionFile.submission_id == submission.id)) == 0
    assert submission.status.value == "passed"


def test_tokens_invitations_and_mails_of_the_person_go(db, rich):
    email = rich.user.email
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail).where(OutgoingMail.recipient == email))
    delete_account(rich.user, rich.user, by="self")
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail).where(OutgoingMail.recipient == email)) == 0
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_open_enrolments_are_withdrawn_completed_ones_stay_completed(db, make, rich):
    active = make.enrolment(user=rich.user)
    delete_account(rich.user, None, by="admin")
    db.session.flush()
    db.session.expire_all()
    assert (active.status.value, rich.enrolment.status.value) == ("withdrawn", "completed")


def test_the_certificate_still_verifies_as_valid_without_the_name(db, client, rich):
    from app.certificates import signing
    from app.certificates.keys import known_public_keys

    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == rich.enrolment.id))
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Gültig" in page and "Petra Privat" in page

    delete_account(rich.user, rich.user, by="self")
    db.session.flush()

    response = client.get(f"/verify/{certificate.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Gültig" in page
    assert "Petra" not in page and "Privat" not in page and rules.CERTIFICATE_NAME_PLACEHOLDER in page
    assert certificate.data["course_title"] in page and certificate.number == certificate.data["number"]
    check = signing.check(signing.canonical(certificate.data), certificate.signature, certificate.signing_key_id, known_public_keys())
    assert check.status == signing.VALID  # the stored record is signed again, not left with a false seal
    assert client.get(f"/verify?number={certificate.number}&code={certificate.code}").status_code == 302


def test_self_deletion_needs_the_password_and_the_confirmation(db, browser, rich):
    browser.login(rich.user)
    browser.get("/meine-daten")
    response = browser.post("/meine-daten/loeschen", {"password": "falsch-falsch-falsch", "confirm": "y"})
    assert response.status_code == 422 and "Das Passwort ist nicht richtig." in response.get_data(as_text=True)
    response = browser.post("/meine-daten/loeschen", {"password": PASSWORD})
    assert response.status_code == 422 and "Bitte bestätigen Sie die Löschung." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not is_deleted(rich.user) and rich.user.name == "Petra Privat"


def test_self_deletion_ends_every_session_and_login_is_impossible(app, db, browser, another_browser, rich, file_store):
    email = rich.user.email
    another_browser.login(rich.user)  # a second device
    browser.login(rich.user)
    browser.get("/meine-daten")
    response = browser.post("/meine-daten/loeschen", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/anmelden")
    assert stored_files(file_store) == []  # the files went after the commit

    assert browser.get("/lernstand").status_code == 302
    assert another_browser.get("/lernstand").status_code == 302
    assert another_browser.get("/meine-daten").status_code == 302
    browser.get("/anmelden")
    response = browser.post("/anmelden", {"email": email, "password": PASSWORD})
    assert response.status_code == 401 and "E-Mail-Adresse oder Passwort" in response.get_data(as_text=True)
    db.session.expire_all()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_deleted"))
    assert event.actor_id == rich.user.id and event.detail["by"] == "self" and event.detail["files"] == 2
    assert email not in repr(event.detail)


def test_a_password_reset_for_the_old_address_sends_nothing(db, browser, rich):
    email = rich.user.email
    delete_account(rich.user, rich.user, by="self")
    db.session.flush()
    browser.get("/passwort-vergessen")
    browser.post("/passwort-vergessen", {"email": email})
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail).where(OutgoingMail.recipient == email)) == 0


def test_admin_deletes_an_account_after_typing_its_address(app, db, browser, make, rich, file_store):
    admin = make.user("admin")
    browser.login(admin)
    url = f"/admin/benutzer/{rich.user.id}/loeschen"
    page = browser.get(url).get_data(as_text=True)
    assert "Petra Privat" in page and rich.user.email in page
    response = browser.post(url, {"email": "jemand@example.org"})
    assert response.status_code == 422 and "stimmt nicht" in response.get_data(as_text=True)
    email = rich.user.email
    response = browser.post(url, {"email": email.upper()})
    assert response.status_code == 302
    db.session.expire_all()
    assert is_deleted(rich.user) and stored_files(file_store) == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_deleted"))
    assert event.actor_id == admin.id and event.object_id == str(rich.user.id) and event.detail["by"] == "admin"
    assert browser.get(url).status_code == 404  # already deleted


def test_only_admins_delete_other_accounts(db, browser, make, rich):
    url = f"/admin/benutzer/{rich.user.id}/loeschen"
    for role in ("learner", "trainer", "agency"):
        browser.login(make.user(role))
        assert browser.get(url).status_code == 403
        assert browser.post(url, {"email": rich.user.email}).status_code == 403
        browser.post("/abmelden")
    assert not is_deleted(rich.user)


def test_the_last_admin_cannot_delete_their_account(app, db, browser, make):
    from app.errors import DomainError

    admins = db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))).all()
    for other_admin in admins:
        other_admin.active = False
    admin = make.user("admin")
    with app.test_request_context(), pytest.raises(DomainError):
        delete_account(admin, admin, by="self")
    browser.login(admin)
    assert browser.get(f"/admin/benutzer/{admin.id}/loeschen").status_code == 302  # own account: via "Meine Daten"


def test_a_deleted_trainer_leaves_gradings_and_cohorts(db, rich):
    trainer = rich.trainer
    delete_account(trainer, None, by="cli")
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(cohort_trainers).where(cohort_trainers.c.user_id == trainer.id)) == 0
    gradings = db.session.scalars(select(Grading).where(Grading.grader_id == trainer.id)).all()
    assert len(gradings) == 2 and gradings[0].grader.name == rules.ERASED_NAME


def test_cli_deletes_an_account(app, db, rich, file_store):
    result = app.test_cli_runner().invoke(args=["privacy", "delete-account", rich.user.email, "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 stored file(s) deleted" in result.output
    db.session.expire_all()
    assert is_deleted(rich.user) and stored_files(file_store) == []


def test_quiz_answers_are_erased_but_scores_stay(db, rich):
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.enrolment_id == rich.enrolment.id))
    attempt.answers = {"q1": "Meine Kollegin Erika Beispiel aus dem Bauamt"}
    db.session.flush()
    score, passed, results = attempt.score, attempt.passed, attempt.results
    delete_account(rich.user, rich.user, by="self")
    db.session.flush()
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.answers == {}
    assert (attempt.score, attempt.passed, attempt.results) == (score, passed, results)
