"""Everything the platform holds about one person, as a JSON document plus their uploaded files
in one ZIP (DSGVO Art. 15 and 20). Reads only; the route records the audit event."""
from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app import clock
from app.accounts.models import LoginSession, PasswordResetToken, User
from app.api.models import ApiToken
from app.assignments.models import DueReminder, Submission, SubmissionFile
from app.files import FileStore, StorageUnavailable
from app.audit.models import AuditEvent
from app.catalogue.models import Assignment, Course, Lesson, Module, Quiz
from app.certificates.models import Certificate
from app.cohorts.models import Enrolment, Invitation
from app.directory.models import DirectoryEntry
from app.discussions.models import DiscussionPost, DiscussionSetting, DiscussionThread, PostReport
from app.events import account_exporting
from app.extensions import db
from app.privacy.rules import safe_zip_name
from app.progress.models import ItemType, ProgressItem
from app.quizzes.models import QuizAttempt
from app.sessions.models import Attendance

FORMAT = "smart-city-campus-export/1"

def _iso(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _region(user: User) -> dict:
    from app.regions import district

    found = district(user.district_ags) if user.district_ags else None
    return {"district_ags": user.district_ags, "district_name": found.name if found else None, "land": user.land}


_ITEM_MODELS = {ItemType.LESSON: Lesson, ItemType.QUIZ: Quiz, ItemType.ASSIGNMENT: Assignment,
                ItemType.MODULE: Module, ItemType.COURSE: Course}


def _item_title(item_type: ItemType, item_id: int) -> str | None:
    row = db.session.get(_ITEM_MODELS[item_type], item_id)
    return row.title if row is not None else None


def _file_entry(row: SubmissionFile, folder: str) -> dict:
    return {
        "id": row.id, "filename": row.filename, "content_type": row.content_type, "size": row.size,
        "sha256": row.sha256, "uploaded_at": _iso(row.uploaded_at),
        "path_in_zip": f"{folder}/{row.id}-{safe_zip_name(row.filename)}",
        "_storage_key": row.storage_key,
    }


def _submission(submission: Submission) -> dict:
    base = f"dateien/abgabe-{submission.id}"
    return {
        "id": submission.id, "enrolment_id": submission.enrolment_id,
        "assignment": {"slug": submission.assignment.slug, "title": submission.assignment.title},
        "status": submission.status.value, "created_at": _iso(submission.created_at),
        "draft_text": submission.draft_text, "draft_saved_at": _iso(submission.draft_saved_at),
        "draft_files": [_file_entry(f, f"{base}/entwurf") for f in submission.draft_files],
        "versions": [
            {
                "number": v.number, "text": v.text, "submitted_at": _iso(v.submitted_at), "due_on": _iso(v.due_on),
                "late": v.late,
                "files": [_file_entry(f, f"{base}/fassung-{v.number}") for f in v.files],
                "gradings": [
                    {
                        "created_at": _iso(g.created_at), "grader": g.grader.name if g.grader else None,
                        "levels": g.levels, "points": g.points, "max_points": g.max_points,
                        "pass_points": g.pass_points, "decision": g.decision.value, "comment": g.comment,
                    }
                    for g in v.gradings
                ],
            }
            for v in submission.versions
        ],
    }


def collect(user: User) -> dict:
    """The export document. File entries carry a private `_storage_key` that `write_zip` strips."""
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id)).all()
    enrolment_ids = [e.id for e in enrolments]
    progress = db.session.scalars(
        select(ProgressItem).where(ProgressItem.enrolment_id.in_(enrolment_ids)).order_by(ProgressItem.completed_at, ProgressItem.id)
    ).all()
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.enrolment_id.in_(enrolment_ids)).order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).all()
    submissions = db.session.scalars(
        select(Submission).where(Submission.enrolment_id.in_(enrolment_ids)).order_by(Submission.id)
    ).all()
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids)).order_by(Certificate.enrolment_id, Certificate.version)
    ).all()
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.enrolment_id.in_(enrolment_ids)).order_by(Invitation.id)
    ).all()
    resets = db.session.scalars(
        select(PasswordResetToken).where(PasswordResetToken.user_id == user.id).order_by(PasswordResetToken.id)
    ).all()
    events = db.session.scalars(
        select(AuditEvent).where(or_(
            AuditEvent.actor_id == user.id,
            (AuditEvent.object_type == "users") & (AuditEvent.object_id == str(user.id)),
        )).order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    document = {
        "format": FORMAT,
        "exported_at": _iso(clock.now()),
        "account": {
            "id": user.id, "email": user.email, "name": user.name, "role": user.role.value, "locale": user.locale,
            "active": user.active, "created_at": _iso(user.created_at),
        },
        "profile": {"municipality": user.municipality, "position": user.position, **_region(user)},
        "enrolments": [
            {
                "id": e.id, "status": e.status.value, "enrolled_at": _iso(e.enrolled_at), "completed_at": _iso(e.completed_at),
                "items_done": e.items_done, "items_total": e.items_total,
                "cohort": {"id": e.cohort.id, "name": e.cohort.name, "land": e.cohort.land, "district_ags": e.cohort.district_ags,
                           "starts_on": _iso(e.cohort.starts_on), "ends_on": _iso(e.cohort.ends_on)},
                "course": {"slug": e.cohort.course.slug, "title": e.cohort.course.title},
            }
            for e in enrolments
        ],
        "progress_events": [
            {"enrolment_id": p.enrolment_id, "item_type": p.item_type.value, "item_id": p.item_id,
             "item_title": _item_title(p.item_type, p.item_id), "completed_at": _iso(p.completed_at), "detail": p.detail}
            for p in progress
        ],
        "quiz_attempts": [
            {
                "id": a.id, "enrolment_id": a.enrolment_id, "quiz": {"slug": a.quiz.slug, "title": a.quiz.title},
                "number": a.number, "started_at": _iso(a.started_at), "deadline_at": _iso(a.deadline_at),
                "submitted_at": _iso(a.submitted_at), "questions_as_seen": a.snapshot, "answers": a.answers,
                "score": a.score, "max_score": a.max_score, "passed": a.passed, "results": a.results,
            }
            for a in attempts
        ],
        "submissions": [_submission(s) for s in submissions],
        "certificates": [
            {
                "enrolment_id": c.enrolment_id, "number": c.number, "version": c.version, "kind": c.kind,
                "status": c.status.value, "issued_at": _iso(c.issued_at), "expires_on": _iso(c.expires_on),
                "revoked_at": _iso(c.revoked_at), "data": c.data,
            }
            for c in certificates
        ],
        "invitations": [
            {"enrolment_id": i.enrolment_id, "created_at": _iso(i.created_at), "expires_at": _iso(i.expires_at),
             "used_at": _iso(i.used_at), "revoked_at": _iso(i.revoked_at)}
            for i in invitations
        ],
        "password_reset_requests": [
            {"created_at": _iso(r.created_at), "expires_at": _iso(r.expires_at), "used_at": _iso(r.used_at)} for r in resets
        ],
        "security_log": [
            {"at": _iso(e.at), "action": e.action, "object_type": e.object_type, "object_id": e.object_id}
            for e in events
        ],
    }
    document.update(_discussions(user))
    document["directory_entries"] = _directory(user)
    document["attendance"] = _attendance(enrolment_ids)
    document["due_reminders"] = [
        {"enrolment_id": r.enrolment_id, "assignment_id": r.assignment_id, "due_on": _iso(r.due_on), "sent_at": _iso(r.sent_at)}
        for r in db.session.scalars(select(DueReminder).where(DueReminder.enrolment_id.in_(enrolment_ids)).order_by(DueReminder.id))
    ]
    document["api_tokens"] = [
        {"name": t.name, "prefix": t.prefix, "created_at": _iso(t.created_at), "last_used_at": _iso(t.last_used_at),
         "revoked_at": _iso(t.revoked_at)}
        for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    ]
    document["login_sessions"] = [
        {"signed_in_at": _iso(at)}
        for at in db.session.scalars(select(LoginSession.created_at).where(LoginSession.user_id == user.id).order_by(LoginSession.id))
    ]
    # Further categories from features added later: they answer this event (app.events) with
    # name → rows, and erase the same data on account_erasing.
    for _receiver, categories in account_exporting.send(user):
        document.update(categories)
    return document


def _discussions(user: User) -> dict:
    threads = db.session.scalars(select(DiscussionThread).where(DiscussionThread.author_id == user.id).order_by(DiscussionThread.id)).all()
    posts = db.session.scalars(select(DiscussionPost).where(DiscussionPost.author_id == user.id).order_by(DiscussionPost.id)).all()
    reports = db.session.scalars(select(PostReport).where(PostReport.reporter_id == user.id).order_by(PostReport.id)).all()
    setting = db.session.get(DiscussionSetting, user.id)
    return {
        "discussion_threads": [
            {"id": t.id, "cohort_id": t.cohort_id, "title": t.title, "created_at": _iso(t.created_at)} for t in threads
        ],
        "discussion_posts": [
            {"id": p.id, "thread_id": p.thread_id, "thread_title": p.thread.title, "body": p.body,
             "created_at": _iso(p.created_at), "edited_at": _iso(p.edited_at), "hidden": p.hidden_at is not None}
            for p in posts
        ],
        "discussion_reports": [
            {"post_id": r.post_id, "reason": r.reason, "created_at": _iso(r.created_at), "resolved_at": _iso(r.resolved_at)}
            for r in reports
        ],
        "discussion_settings": {"reply_mails": setting.reply_mails} if setting else None,
    }


def _directory(user: User) -> list:
    entry = db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.user_id == user.id))
    if entry is None:
        return []
    return [{
        "name": entry.name, "municipality": entry.municipality, "district_ags": entry.district_ags, "land": entry.land,
        "position": entry.position, "topics": entry.topics, "contact_email": entry.contact_email,
        "consented_at": _iso(entry.consented_at), "updated_at": _iso(entry.updated_at),
    }]


def _attendance(enrolment_ids: list[int]) -> list:
    rows = db.session.scalars(select(Attendance).where(Attendance.enrolment_id.in_(enrolment_ids)).order_by(Attendance.id)).all()
    return [
        {"enrolment_id": a.enrolment_id, "session": a.session.title, "starts_at": _iso(a.session.starts_at),
         "status": a.status.value, "recorded_at": _iso(a.recorded_at)}
        for a in rows
    ]


def _file_entries(document: dict) -> list[dict]:
    entries = []
    for submission in document["submissions"]:
        entries += submission["draft_files"]
        for version in submission["versions"]:
            entries += version["files"]
    return entries


def file_count(document: dict) -> int:
    return len(_file_entries(document))


def write_zip(document: dict, store: FileStore, target: IO[bytes], progress=None) -> dict:
    """Writes `daten.json` (the document from `collect`) and every uploaded file into `target`
    (calling progress(files written, files) when given);
    needs no database, so the caller can end its transaction first. A file missing from the store
    is marked `"missing": true` instead of failing the whole export; a store that cannot be
    reached fails it (StorageUnavailable), so no export claims files missing that are not."""
    entries = _file_entries(document)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, entry in enumerate(entries, start=1):
            key = entry.pop("_storage_key")
            try:
                with store.open(key) as source, archive.open(entry["path_in_zip"], "w") as out:
                    while chunk := source.read(1024 * 1024):
                        out.write(chunk)
            except StorageUnavailable:
                raise
            except (OSError, KeyError):
                entry["missing"] = True
                entry["path_in_zip"] = None
            if progress is not None:
                progress(number, len(entries))
        archive.writestr("daten.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
        archive.writestr("LIESMICH.txt", _readme())
    return document


def _readme() -> str:
    return "\n\n".join((
        _("Ihre Daten aus dem Smart City Campus"),
        _("daten.json enthält alle gespeicherten Angaben zu Ihrem Konto (JSON, UTF-8): Konto und Profil, "
          "Einschreibungen, Lernfortschritt mit Zeitpunkten, Quizversuche (Fragen wie gezeigt, Ihre Antworten, "
          "Punkte), Abgaben mit allen Fassungen, Rückmeldungen und Bewertungen, Zertifikate, Einladungen, "
          "Passwort-Links und Sicherheitsprotokoll."),
        _("Der Ordner dateien enthält Ihre hochgeladenen Dateien; „path_in_zip“ in daten.json nennt den Ort, "
          "„sha256“ die Prüfsumme jeder Datei."),
    )) + "\n"
