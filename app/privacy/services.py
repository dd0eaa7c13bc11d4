"""Account deletion (DSGVO Art. 17) and the purge of dead tokens. Services flush, never commit.

Deleting an account erases what identifies the person and keeps what the agency counts: the
user row stays as an anonymous shell (no name, no address, no password, no profile except
district and Land), so enrolments, progress events, quiz scores, grading decisions and
certificate numbers still add up by cohort, district and Land. Issued certificates keep their
number and status — the verify page still says "valid" — with the name replaced.

Handed-in versions, their files and gradings are permanent records that the ORM refuses to
change (app.assignments.models). Erasure is the one lawful exception, so it uses SQL statements,
which bypass those guards on purpose; nothing else in the code base should."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update

from app import clock
from app.accounts.models import LoginSession, PasswordResetToken, Role, User
from app.accounts.passwords import verify_password
from app.accounts.services import end_all_sessions
from app.api.models import ApiToken
from app.assignments.models import Grading, Submission, SubmissionFile, SubmissionVersion
from app.files import FileStore
from app.audit import services as audit
from app.cohorts.models import Enrolment, EnrolmentStatus, Invitation, cohort_trainers
from app.directory.models import DirectoryEntry
from app.discussions.models import DiscussionPost, DiscussionSetting, DiscussionThread, PostReport
from app.errors import DomainError
from app.events import account_erasing
from app.exports.models import Export
from app.exports.services import file_keys_of
from app.extensions import db
from app.mail.models import OutgoingMail
from app.privacy import rules
from app.quizzes.models import QuizAttempt

def is_deleted(user: User) -> bool:
    return rules.is_erased_email(user.email)


def check_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password or ""):
        raise DomainError(_("Das Passwort ist nicht richtig."))


def _require_deletable(user: User) -> None:
    if is_deleted(user):
        raise DomainError(_("Dieses Konto ist bereits gelöscht."))
    if user.role == Role.ADMIN:
        admins = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        if not admins:
            raise DomainError(_("Das letzte Administrationskonto kann nicht gelöscht werden."))


def delete_account(user: User, deleted_by: User | None, by: str) -> list[str]:
    """Erases or anonymises the user's personal data in the current transaction and ends every
    session of the user. Returns the storage keys of their uploaded files: the caller deletes
    them from the file store *after* the commit (`remove_files`), so a rolled-back deletion
    loses nothing; should that step fail, `assignments cleanup-files` finds them orphaned."""
    _require_deletable(user)
    enrolment_ids = list(db.session.scalars(select(Enrolment.id).where(Enrolment.user_id == user.id)))
    submission_ids = list(db.session.scalars(select(Submission.id).where(Submission.enrolment_id.in_(enrolment_ids))))
    version_ids = list(db.session.scalars(select(SubmissionVersion.id).where(SubmissionVersion.submission_id.in_(submission_ids))))
    keys = _erase_submissions(submission_ids, version_ids)
    # What the person typed into quizzes (free-text answers can name anyone) goes; scores, pass
    # or fail and the per-question results stay, the agency's and trainers' figures need them.
    db.session.execute(update(QuizAttempt).where(QuizAttempt.enrolment_id.in_(enrolment_ids)).values(answers={})
                       .execution_options(synchronize_session=False))
    old_email = user.email

    db.session.execute(delete(Invitation).where(Invitation.enrolment_id.in_(enrolment_ids)))
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.recipient == old_email))
    _scrub_mails_about(user.name, old_email)
    db.session.execute(delete(cohort_trainers).where(cohort_trainers.c.user_id == user.id))
    _anonymise_discussions(user)
    db.session.execute(delete(DirectoryEntry).where(DirectoryEntry.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    # prepared downloads (a data export ZIP, a cohort's progress) go with their files
    export_keys = file_keys_of(user)
    db.session.execute(delete(Export).where(Export.user_id == user.id))
    # Enrolments stay (the agency counts them); open ones end, so the person takes no seat and
    # does not show up as "stuck". Completed ones stay completed.
    db.session.execute(
        update(Enrolment).where(Enrolment.id.in_(enrolment_ids),
                                Enrolment.status.in_((EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE)))
        .values(status=EnrolmentStatus.WITHDRAWN).execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire_all()  # the rows changed by statements above are read afresh

    user.name = rules.ERASED_NAME
    user.email = rules.placeholder_email(user.id, secrets.token_hex(8))
    user.password_hash = None
    user.locale = None
    user.municipality = None
    user.position = None
    user.active = False
    end_all_sessions(user)  # every session of the user ends with this request
    # district_ags and land stay: they are what the agency's figures are counted by.
    # Features that hold personal data of their own erase it on this event (app.events):
    # certificates replace the name in the snapshots and sign them again.
    account_erasing.send(user)
    db.session.flush()
    audit.record("account_deleted", actor=deleted_by, obj=user, by=by, files=len(keys))
    return keys + export_keys


def _erase_submissions(submission_ids: list[int], version_ids: list[int]) -> list[str]:
    """Texts, feedback comments and file rows go; statuses, points and decisions stay."""
    keys = set(db.session.scalars(select(SubmissionFile.storage_key).where(SubmissionFile.submission_id.in_(submission_ids))))
    db.session.execute(delete(SubmissionFile).where(SubmissionFile.submission_id.in_(submission_ids))
                       .execution_options(synchronize_session=False))
    db.session.execute(update(SubmissionVersion).where(SubmissionVersion.id.in_(version_ids))
                       .values(text="").execution_options(synchronize_session=False))
    db.session.execute(update(Grading).where(Grading.version_id.in_(version_ids))
                       .values(comment="").execution_options(synchronize_session=False))
    db.session.execute(update(Submission).where(Submission.id.in_(submission_ids))
                       .values(draft_text="").execution_options(synchronize_session=False))
    # A stored file shared with anyone else's row (never the case today) is kept.
    shared = set(db.session.scalars(select(SubmissionFile.storage_key).where(SubmissionFile.storage_key.in_(keys))))
    return sorted(keys - shared)


def _anonymise_discussions(user: User) -> None:
    """Posts stay so the threads still read; they lose their author (shown as "gelöschtes Konto")
    and the person's full name where it was written out."""
    db.session.execute(update(DiscussionThread).where(DiscussionThread.author_id == user.id)
                       .values(author_id=None).execution_options(synchronize_session=False))
    db.session.execute(update(DiscussionPost).where(DiscussionPost.author_id == user.id)
                       .values(author_id=None).execution_options(synchronize_session=False))
    db.session.execute(update(PostReport).where(PostReport.reporter_id == user.id)
                       .values(reporter_id=None).execution_options(synchronize_session=False))
    db.session.execute(delete(DiscussionSetting).where(DiscussionSetting.user_id == user.id))
    name = user.name.strip()
    if len(name) >= 3:
        for post in db.session.scalars(select(DiscussionPost).where(DiscussionPost.body.contains(name, autoescape=True))):
            post.body = post.body.replace(name, rules.ERASED_NAME)
        for thread in db.session.scalars(select(DiscussionThread).where(DiscussionThread.title.contains(name, autoescape=True))):
            thread.title = thread.title.replace(name, rules.ERASED_NAME)


def _scrub_mails_about(name: str, email: str) -> None:
    """Mails to others that name the person (e.g. "new submission by …" to trainers) keep their
    text with the name and address replaced; what was delivered already is beyond our reach."""
    needles = [n for n in (name.strip(), email) if len(n) >= 3]
    if not needles:
        return
    mentions = or_(*[OutgoingMail.subject.contains(n, autoescape=True) | OutgoingMail.body.contains(n, autoescape=True)
                     for n in needles])
    for mail in db.session.scalars(select(OutgoingMail).where(mentions)):
        for needle in needles:
            mail.subject = mail.subject.replace(needle, rules.ERASED_NAME)
            mail.body = mail.body.replace(needle, rules.ERASED_NAME)


def remove_files(store: FileStore, keys: list[str]) -> int:
    """Deletes the files from the store (after the commit of `delete_account`)."""
    removed = 0
    for key in keys:
        try:
            store.delete(key)
            removed += 1
        except (OSError, KeyError):
            current_app.logger.warning("could not delete stored file %s of a deleted account", key)
    return removed


@dataclass(frozen=True)
class PurgeResult:
    reset_tokens: int
    invitations: int
    login_sessions: int = 0


def purge_tokens(now: datetime | None = None) -> PurgeResult:
    """Deletes expired password-reset tokens, expired or used cohort invitations and login sessions
    past their lifetime (PERMANENT_SESSION_LIFETIME): none of them can ever work again. Open,
    unexpired ones stay."""
    now = now or clock.now()
    resets = db.session.execute(
        delete(PasswordResetToken).where(PasswordResetToken.expires_at < now).execution_options(synchronize_session=False)
    ).rowcount
    invitations = db.session.execute(
        delete(Invitation).where(or_(Invitation.expires_at < now, Invitation.used_at.is_not(None)))
        .execution_options(synchronize_session=False)
    ).rowcount
    sessions = db.session.execute(
        delete(LoginSession).where(LoginSession.created_at <= now - current_app.permanent_session_lifetime)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return PurgeResult(reset_tokens=resets, invitations=invitations, login_sessions=sessions)
