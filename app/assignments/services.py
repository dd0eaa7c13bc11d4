"""The write API of assignments: drafts, files, hand-in, review, grading, notifications.

Every function flushes but never commits; the view commits once. Domain errors carry a German
message for the learner or trainer."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app import clock
from app.accounts.models import User
from app.assignments import archives, filetypes, rules
from app.assignments.models import (
    EDITABLE, Decision, Grading, Submission, SubmissionFile, SubmissionStatus, SubmissionVersion,
)
from app.files import FileStore, FileTooLarge, StorageUnavailable, StoredFile
from app.catalogue.models import Assignment
from app.cohorts.models import Cohort, Enrolment
from app.db import add_unless_duplicate
from app.errors import DomainError
from app.extensions import db
from app.links import absolute_url
from app.mail.compose import mail_user
from app.progress.models import ItemType
from app.progress.services import complete_item

DEFAULT_MAX_FILE_MB = 20
MAX_FILES = 10
MAX_TEXT_CHARS = 100_000


class UploadRejected(DomainError):
    """An uploaded file was refused; the message says why."""


class GradingConflict(DomainError):
    """Someone else graded (or the learner resubmitted) since the grading page was opened."""

    def __init__(self, message: str, latest: Grading | None):
        super().__init__(message)
        self.latest = latest


@dataclass
class Upload:
    filename: str
    stream: BinaryIO


def setting(name: str, default: str) -> str:
    """A feature setting from the app config or the environment."""
    return str(current_app.config.get(name) or os.environ.get(name) or default)


# ---------------------------------------------------------------- reading the assignment settings

def accepts_text(assignment: Assignment) -> bool:
    return assignment.settings.get("submission", "both") in ("text", "both")


def accepts_files(assignment: Assignment) -> bool:
    return assignment.settings.get("submission", "both") in ("files", "both")


def allowed_kinds(assignment: Assignment) -> list[str]:
    kinds = assignment.settings.get("file_types") or list(filetypes.ALLOWED)
    return [k for k in kinds if k in filetypes.CONTENT_TYPES]


def max_file_bytes(assignment: Assignment) -> int:
    megabytes = assignment.settings.get("max_file_mb") or DEFAULT_MAX_FILE_MB
    return int(float(megabytes) * 1024 * 1024)


def pass_points(assignment: Assignment) -> float:
    return float(assignment.settings.get("pass_points") or 0)


def due_date_for(cohort: Cohort, assignment: Assignment) -> date | None:
    """The day the module opens for the cohort (cohort schedule) plus the assignment's due_days."""
    due_days = assignment.settings.get("due_days")
    if due_days is None:
        return None
    try:
        from app.cohorts.schedule import module_opens_on
    except ImportError:  # scheduling not available: count from the cohort's start
        opens_on = cohort.starts_on
    else:
        opens_on = module_opens_on(cohort, assignment.module)
    return rules.due_date(opens_on, due_days)


# ---------------------------------------------------------------- learner: drafts and hand-in

def submission_for(enrolment: Enrolment, assignment: Assignment) -> Submission | None:
    return db.session.scalar(
        select(Submission).where(Submission.enrolment_id == enrolment.id, Submission.assignment_id == assignment.id)
    )


def get_or_create_submission(enrolment: Enrolment, assignment: Assignment) -> Submission:
    existing = submission_for(enrolment, assignment)
    if existing is not None:
        return existing
    submission = Submission(enrolment_id=enrolment.id, assignment_id=assignment.id, status=SubmissionStatus.DRAFT, draft_text="")
    if not add_unless_duplicate(submission):  # created a moment ago in another tab
        return submission_for(enrolment, assignment)
    return submission


def _require_editable(submission: Submission) -> None:
    if not submission.editable:
        raise DomainError(_("Diese Abgabe kann zurzeit nicht bearbeitet werden."))


def save_draft(submission: Submission, text: str, now: datetime | None = None) -> None:
    _require_editable(submission)
    text = (text or "").replace("\r\n", "\n")
    if len(text) > MAX_TEXT_CHARS:
        raise DomainError(_("Der Text ist zu lang (höchstens %(n)d Zeichen).", n=MAX_TEXT_CHARS))
    if accepts_text(submission.assignment):
        submission.draft_text = text
    submission.draft_saved_at = now or clock.now()
    db.session.flush()


def check_upload(assignment: Assignment, upload: Upload) -> str:
    """The file's kind if the assignment accepts it; UploadRejected with the reason otherwise."""
    name = upload.filename or ""
    allowed = allowed_kinds(assignment)
    allowed_text = ", ".join(k.upper() for k in allowed)
    claimed = filetypes.extension_kind(name)
    if claimed is None or claimed not in allowed:
        raise UploadRejected(_("„%(name)s“: Dieser Dateityp ist nicht erlaubt. Erlaubt sind: %(types)s.", name=name, types=allowed_text))
    limit = max_file_bytes(assignment)
    upload.stream.seek(0, os.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size == 0:
        raise UploadRejected(_("„%(name)s“ ist leer.", name=name))
    if size > limit:
        raise UploadRejected(_("„%(name)s“ ist zu groß: höchstens %(mb)s MB je Datei.", name=name, mb=_megabytes(limit)))
    if claimed in filetypes.ARCHIVES and filetypes.is_zip(upload.stream):
        _check_archive(name, upload.stream)
    actual = filetypes.sniff(upload.stream)
    if actual != claimed and claimed in filetypes.OOXML and filetypes.is_zip(upload.stream):
        raise UploadRejected(_(
            "„%(name)s“ ist keine echte %(type)s-Datei: Einem Office-Dokument gehört die Inhaltsübersicht "
            "„[Content_Types].xml“ mit seinen Teilen (Office Open XML), und die fehlt in diesem ZIP-Archiv. "
            "Bitte speichern Sie die Datei in Ihrem Office-Programm noch einmal als %(type)s.", name=name, type=claimed.upper(),
        ))
    if actual != claimed:
        raise UploadRejected(_(
            "„%(name)s“ ist keine gültige %(type)s-Datei: Der Inhalt passt nicht zur Dateiendung. "
            "Bitte speichern Sie die Datei noch einmal im richtigen Format.", name=name, type=claimed.upper(),
        ))
    return actual


def archive_limits() -> archives.ArchiveLimits:
    config = current_app.config
    return archives.ArchiveLimits(
        max_unpacked_bytes=int(config["UPLOAD_ARCHIVE_MAX_UNPACKED_MB"]) * 1024 * 1024,
        max_entries=int(config["UPLOAD_ARCHIVE_MAX_ENTRIES"]), max_ratio=float(config["UPLOAD_ARCHIVE_MAX_RATIO"]),
    )


def _check_archive(name: str, stream: BinaryIO) -> None:
    """Office and OpenDocument files are ZIP archives: refuses one that would unpack to far more
    than it weighs (a "zip bomb"), is damaged, or lies about its sizes — saying which."""
    limits = archive_limits()
    try:
        archives.check_archive(stream, limits)
    except archives.ArchiveRefused as refused:
        current_app.logger.warning("upload %r refused: %s", name, refused)
        if refused.reason == refused.TOO_MANY_ENTRIES:
            message = _("„%(name)s“ wird nicht angenommen: Die Datei besteht aus mehr als %(n)d Teilen. So viele hat kein "
                        "gewöhnliches Dokument. Bitte speichern Sie es noch einmal oder geben Sie es als PDF ab.",
                        name=name, n=limits.max_entries)
        elif refused.reason == refused.TOO_LARGE:
            message = _("„%(name)s“ wird nicht angenommen: Entpackt wäre die Datei größer als %(mb)s MB. Bitte verkleinern "
                        "Sie das Dokument (zum Beispiel die Bilder darin) oder geben Sie es als PDF ab.",
                        name=name, mb=_megabytes(limits.max_unpacked_bytes))
        elif refused.reason == refused.RATIO:
            message = _("„%(name)s“ wird nicht angenommen: Ein Teil der Datei ist mehr als %(ratio)s-fach verdichtet. So stark "
                        "lassen sich echte Dokumente nicht packen; so gebaute Dateien („ZIP-Bomben“) sollen den Rechner "
                        "lahmlegen, der sie öffnet. Bitte speichern Sie das Dokument noch einmal oder geben Sie es als PDF ab.",
                        name=name, ratio=f"{limits.max_ratio:g}")
        else:
            message = _("„%(name)s“ wird nicht angenommen: Die Datei ist beschädigt, verschlüsselt oder ihre Angaben zu "
                        "ihrem Inhalt stimmen nicht. Bitte speichern Sie sie noch einmal und laden Sie sie erneut hoch.",
                        name=name)
        raise UploadRejected(message) from None


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:g}".replace(".", ",")


def add_draft_file(submission: Submission, upload: Upload, store: FileStore, now: datetime | None = None) -> SubmissionFile:
    """Checks the file by its content, writes it to the store (atomically), then adds the row —
    so the row, once committed, always points at a complete file."""
    _require_editable(submission)
    return add_stored_file(submission, store_upload(submission.assignment, upload, store, len(submission.draft_files)), now)


@dataclass(frozen=True)
class StoredUpload:
    """An uploaded file that passed the checks and is in the store, its row not yet written."""

    stored: StoredFile
    filename: str
    kind: str


def store_upload(assignment: Assignment, upload: Upload, store: FileStore, files_on_draft: int) -> StoredUpload:
    """The first half of adding a file to a draft, which writes nothing to the database: checks
    the file by its content and writes it to the store. A request that stores its uploads before
    it begins writing holds no write lock (SQLite) or row lock while up to 10 × 100 MB go to the
    store. UploadRejected says why a file was refused. If the row is never written (the draft was
    handed in meanwhile), `discard_stored` removes the file; what a crash leaves, the clean-up
    command removes (`remove_orphaned_files`)."""
    if not accepts_files(assignment):
        raise UploadRejected(_("Bei dieser Aufgabe werden keine Dateien abgegeben."))
    if files_on_draft >= MAX_FILES:
        raise UploadRejected(_("Höchstens %(n)d Dateien je Abgabe.", n=MAX_FILES))
    kind = check_upload(assignment, upload)
    try:
        stored = store.save(upload.stream, max_bytes=max_file_bytes(assignment))
    except FileTooLarge as exc:
        raise UploadRejected(_("„%(name)s“ ist zu groß: höchstens %(mb)s MB je Datei.", name=upload.filename, mb=_megabytes(exc.limit)))
    except StorageUnavailable:
        current_app.logger.exception("the file store refused or could not be reached")
        raise UploadRejected(_("„%(name)s“ konnte gerade nicht gespeichert werden, weil der Dateispeicher nicht erreichbar ist. "
                               "Ihr Text ist gespeichert; bitte laden Sie die Datei in ein paar Minuten noch einmal hoch.",
                               name=upload.filename))
    except OSError:
        current_app.logger.exception("could not store an uploaded file")
        raise UploadRejected(_("„%(name)s“ konnte nicht gespeichert werden. Bitte versuchen Sie es noch einmal.", name=upload.filename))
    return StoredUpload(stored=stored, filename=upload.filename, kind=kind)


def add_stored_file(submission: Submission, upload: StoredUpload, now: datetime | None = None) -> SubmissionFile:
    """The second half: the draft's row for a file `store_upload` stored."""
    _require_editable(submission)
    stored = upload.stored
    row = SubmissionFile(
        submission_id=submission.id, version_id=None, storage_key=stored.key, filename=_clean_filename(upload.filename),
        content_type=filetypes.CONTENT_TYPES[upload.kind], size=stored.size, sha256=stored.sha256, uploaded_at=now or clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    db.session.expire(submission, ["draft_files"])
    return row


def discard_stored(store: FileStore, uploads: list[StoredUpload]) -> None:
    """Removes stored uploads whose rows will not be written; a failure leaves them to the clean-up."""
    for upload in uploads:
        try:
            store.delete(upload.stored.key)
        except OSError:
            current_app.logger.exception("could not remove a stored upload without a row; the clean-up will")


def _clean_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>:|?*').strip(" .")
    return (name or "datei")[-200:]


def remove_draft_file(submission: Submission, file_id: int) -> None:
    """Takes a file off the draft; the stored file goes when no row uses it (cleanup command)."""
    _require_editable(submission)
    row = next((f for f in submission.draft_files if f.id == file_id), None)
    if row is None:
        raise DomainError(_("Diese Datei gehört nicht zu Ihrem Entwurf."))
    db.session.delete(row)
    db.session.flush()
    db.session.expire(submission, ["draft_files"])


def hand_in(submission: Submission, now: datetime | None = None) -> SubmissionVersion:
    """Turns the draft into the next numbered, immutable version."""
    now = now or clock.now()
    _require_editable(submission)
    assignment = submission.assignment
    text = submission.draft_text.strip() if accepts_text(assignment) else ""
    files = list(submission.draft_files) if accepts_files(assignment) else []
    if not text and not files:
        if accepts_text(assignment) and accepts_files(assignment):
            raise DomainError(_("Bitte schreiben Sie einen Text oder laden Sie mindestens eine Datei hoch."))
        if accepts_text(assignment):
            raise DomainError(_("Bitte schreiben Sie Ihren Text, bevor Sie abgeben."))
        raise DomainError(_("Bitte laden Sie mindestens eine Datei hoch, bevor Sie abgeben."))
    due_on = due_date_for(submission.enrolment.cohort, assignment)
    late = rules.is_late(now, due_on, current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin"))
    if late and assignment.settings.get("late") == "refuse":
        raise DomainError(_("Die Abgabefrist ist am %(date)s abgelaufen; bei dieser Aufgabe sind verspätete Abgaben nicht möglich.",
                            date=due_on.strftime("%d.%m.%Y")))
    # The state change is claimed with a conditional UPDATE: a double click or a second tab
    # finds the draft already handed in and makes no second version.
    claimed = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.lock_version == submission.lock_version,
               Submission.status.in_(EDITABLE))
        .values(status=SubmissionStatus.SUBMITTED, lock_version=Submission.lock_version + 1, draft_text="",
                submitted_at=now, reviewer_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.refresh(submission)
        raise DomainError(_("Diese Abgabe wurde bereits abgegeben."))
    number = (db.session.scalar(select(func.max(SubmissionVersion.number)).where(SubmissionVersion.submission_id == submission.id)) or 0) + 1
    immediate = setting("TRAINER_NOTIFICATIONS", "immediate") == "immediate"
    version = SubmissionVersion(
        submission_id=submission.id, number=number, text=text, submitted_at=now, due_on=due_on, late=late,
        trainers_notified_at=now if immediate else None,
    )
    db.session.add(version)
    db.session.flush()
    for row in files:
        row.version_id = version.id
    db.session.flush()
    db.session.refresh(submission)
    db.session.expire(submission, ["versions", "draft_files"])
    if immediate:
        _mail_trainers_about(version)
    return version


# ---------------------------------------------------------------- trainers: review and grading

def mark_in_review(submission: Submission, trainer: User) -> None:
    """A trainer opened a handed-in version: the learner sees "in review" (changes no lock)."""
    if submission.status != SubmissionStatus.SUBMITTED:
        return
    db.session.execute(
        update(Submission).where(Submission.id == submission.id, Submission.status == SubmissionStatus.SUBMITTED)
        .values(status=SubmissionStatus.IN_REVIEW, reviewer_id=trainer.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(submission)


def grade_submission(
    submission: Submission, version: SubmissionVersion, grader: User, levels: dict[str, int], decision: Decision,
    comment: str, expected_lock: int, now: datetime | None = None,
) -> Grading:
    """Adds a grading record for the latest version. Refused, with the other grading at hand, if
    the submission changed since the trainer opened it (optimistic locking)."""
    now = now or clock.now()
    assignment = submission.assignment
    if submission.status == SubmissionStatus.DRAFT or version.submission_id != submission.id:
        raise DomainError(_("Diese Abgabe kann nicht bewertet werden."))
    latest_number = db.session.scalar(select(func.max(SubmissionVersion.number)).where(SubmissionVersion.submission_id == submission.id))
    if version.number != latest_number or submission.lock_version != expected_lock:
        raise _conflict(submission)
    try:
        points = rules.score_rubric(assignment.rubric, levels)
    except rules.RubricError:
        raise DomainError(_("Bitte wählen Sie für jedes Kriterium genau eine Stufe."))
    threshold = pass_points(assignment)
    if decision == Decision.PASSED and points < threshold:
        raise DomainError(_("Mit %(points)s Punkten ist die Bestehensgrenze von %(threshold)s Punkten nicht erreicht.",
                            points=_number(points), threshold=_number(threshold)))
    if submission.status == SubmissionStatus.PASSED and decision != Decision.PASSED:
        raise DomainError(_("Diese Abgabe ist bereits bestanden und dem Lernfortschritt gutgeschrieben; "
                            "eine neue Bewertung kann nur „bestanden“ lauten."))
    new_status = SubmissionStatus(decision.value)
    changed = db.session.execute(
        update(Submission).where(Submission.id == submission.id, Submission.lock_version == expected_lock)
        .values(status=new_status, lock_version=Submission.lock_version + 1, reviewer_id=grader.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise _conflict(submission)
    grading = Grading(
        version_id=version.id, grader_id=grader.id, created_at=now, levels=dict(levels), points=points,
        max_points=rules.max_points(assignment.rubric), pass_points=threshold, decision=decision, comment=(comment or "").strip(),
    )
    db.session.add(grading)
    db.session.flush()
    db.session.refresh(submission)
    db.session.expire(version, ["gradings"])
    if decision == Decision.PASSED:
        complete_item(submission.enrolment, ItemType.ASSIGNMENT, assignment.id, assignment.module, detail=_number(points))
    elif decision == Decision.REVISION_REQUESTED:
        _start_revision_draft(submission, version)
    _mail_learner_about(grading, submission)
    return grading


def _conflict(submission: Submission) -> GradingConflict:
    db.session.refresh(submission)
    latest = db.session.scalar(
        select(Grading).join(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id)
        .order_by(Grading.id.desc()).limit(1)
    )
    if latest is not None:
        message = _("%(name)s hat diese Abgabe inzwischen bewertet (%(decision)s). Ihre Eingaben sind unten erhalten: "
                    "Prüfen Sie die andere Bewertung und speichern Sie erneut, wenn Sie sie ergänzen möchten.",
                    name=latest.grader.name, decision=decision_label(latest.decision))
    else:
        message = _("Die Abgabe hat sich inzwischen geändert. Ihre Eingaben sind unten erhalten: Bitte prüfen Sie die "
                    "aktuelle Fassung und speichern Sie erneut.")
    return GradingConflict(message, latest)


def _start_revision_draft(submission: Submission, version: SubmissionVersion) -> None:
    """The learner's next draft starts from the version that is to be revised."""
    if not submission.draft_text:
        submission.draft_text = version.text
    if not submission.draft_files:
        for row in version.files:
            db.session.add(SubmissionFile(
                submission_id=submission.id, version_id=None, storage_key=row.storage_key, filename=row.filename,
                content_type=row.content_type, size=row.size, sha256=row.sha256, uploaded_at=row.uploaded_at,
            ))
    db.session.flush()
    db.session.expire(submission, ["draft_files"])


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def status_label(status: SubmissionStatus) -> str:
    """The status in the user's language: one lookup (a grading queue shows one per row)."""
    return {
        SubmissionStatus.DRAFT: lambda: _("Entwurf"),
        SubmissionStatus.SUBMITTED: lambda: _("abgegeben"),
        SubmissionStatus.IN_REVIEW: lambda: _("in Prüfung"),
        SubmissionStatus.REVISION_REQUESTED: lambda: _("Überarbeitung erbeten"),
        SubmissionStatus.PASSED: lambda: _("bestanden"),
        SubmissionStatus.FAILED: lambda: _("nicht bestanden"),
    }[status]()


def decision_label(decision: Decision) -> str:
    return status_label(SubmissionStatus(decision.value))


# ---------------------------------------------------------------- mail

def _assignment_url(assignment: Assignment) -> str:
    module = assignment.module
    return absolute_url("assignments.assignment", course_slug=module.course.slug, module_slug=module.slug,
                        assignment_slug=assignment.slug)


def _mail_learner_about(grading: Grading, submission: Submission) -> None:
    user = submission.enrolment.user
    assignment = submission.assignment
    if grading.decision == Decision.REVISION_REQUESTED:
        subject = _l("Bitte überarbeiten: „%(title)s“", title=assignment.title)
    else:
        subject = _l("Ihre Praxisaufgabe „%(title)s“ ist bewertet", title=assignment.title)
    mail_user(
        user, "mail/assignment_graded.txt", subject, assignment=assignment, grading=grading,
        decision=LazyString(decision_label, grading.decision), points=_number(grading.points), max_points=_number(grading.max_points),
        link=_assignment_url(assignment),
    )


def _mail_trainers_about(version: SubmissionVersion) -> None:
    submission = version.submission
    learner = submission.enrolment.user
    assignment = submission.assignment
    for trainer in submission.enrolment.cohort.trainers:
        if not trainer.active:
            continue
        mail_user(
            trainer, "mail/assignment_submitted.txt",
            _l("Neue Abgabe: „%(title)s“ von %(name)s", title=assignment.title, name=learner.name),
            trainer=trainer, learner=learner, assignment=assignment, version=version,
            cohort=submission.enrolment.cohort, link=absolute_url("assignments.grade", submission_id=submission.id),
        )


def send_trainer_digest(now: datetime | None = None) -> int:
    """One mail per trainer listing the versions handed in since the last digest; returns the
    number of mails queued. Used with TRAINER_NOTIFICATIONS=digest, run daily from cron."""
    now = now or clock.now()
    versions = db.session.scalars(
        select(SubmissionVersion).where(SubmissionVersion.trainers_notified_at.is_(None))
        .options(selectinload(SubmissionVersion.submission).selectinload(Submission.enrolment).selectinload(Enrolment.cohort)
                 .selectinload(Cohort.trainers))
        .order_by(SubmissionVersion.submitted_at)
    ).all()
    by_trainer: dict[int, tuple[User, list[SubmissionVersion]]] = {}
    for version in versions:
        for trainer in version.submission.enrolment.cohort.trainers:
            if trainer.active:
                by_trainer.setdefault(trainer.id, (trainer, []))[1].append(version)
    for trainer, items in by_trainer.values():
        subject = _l("%(n)d neue Abgaben warten auf Ihre Bewertung", n=len(items)) if len(items) != 1 \
            else _l("Eine neue Abgabe wartet auf Ihre Bewertung")
        mail_user(
            trainer, "mail/assignment_digest.txt", subject, trainer=trainer,
            items=[(v, v.submission, absolute_url("assignments.grade", submission_id=v.submission_id)) for v in items],
            queue_link=absolute_url("assignments.queue"),
        )
    if versions:
        db.session.execute(
            update(SubmissionVersion).where(SubmissionVersion.id.in_([v.id for v in versions]))
            .values(trainers_notified_at=now).execution_options(synchronize_session=False)
        )
    db.session.flush()
    return len(by_trainer)


# ---------------------------------------------------------------- housekeeping

def remove_orphaned_files(store, min_age_seconds: float = 3600, dry_run: bool = False) -> list[str]:
    """Deletes stored files that no row refers to (a crash between write and commit, removed
    draft files). Young files are left alone: their row may be about to be committed."""
    referenced = set(db.session.scalars(select(SubmissionFile.storage_key).distinct()))
    removed = []
    for key, mtime in list(store.keys()):
        if key in referenced or clock.timestamp() - mtime < min_age_seconds:
            continue
        if not dry_run:
            store.remove_leftover(key)
        removed.append(key)
    return removed

