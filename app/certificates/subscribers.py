"""What certificates do when something happens elsewhere (app.events), and the hooks they give
other features. `subscribe()` is called once from create_app; nothing here connects on import.

Certificates sit above progress and sessions, and privacy does not know them: those publish
events and never import certificates (docs/architecture.md)."""
from __future__ import annotations

from app import events
from app.certificates.documents import certificate_attachment
from app.certificates.personal_data import anonymise_certificates, erase_approval_notes, export_approvals
from app.certificates.services import issue_if_eligible
from app.certificates.tasks import issue_later
from app.cohorts.models import EnrolmentStatus
from app.mail.services import register_attachment_renderer


def subscribe() -> None:
    """Connects the receivers below (connecting twice changes nothing: several apps in one process)."""
    events.course_completed.connect(issue_on_completion)
    events.attendance_recorded.connect(issue_on_attendance)
    events.account_erasing.connect(erase_personal_data)
    events.account_exporting.connect(export_personal_data)
    register_attachment_renderer("certificate", certificate_attachment)


def issue_on_completion(enrolment, **_kwargs) -> None:
    """A completed course: the certificate, in the same transaction, if every other requirement
    (attendance, approval) is met; otherwise the trainers are asked for the approval it awaits.

    Synchronous on purpose: one learner, one certificate, and the page the learner lands on
    after the last step shows it (and its download) at once; a job would show "not yet"."""
    issue_if_eligible(enrolment)


def issue_on_attendance(session, enrolments, **_kwargs) -> None:
    """A learner who completed the course while short of the minimum attendance gets the
    certificate as soon as the recorded attendance reaches it. One attendance list can make a
    whole cohort's certificates due (each rendered, signed and mailed with its PDF): they are
    issued by background jobs, one per enrolment, after the attendance is committed — the
    trainer's request does not wait for them (app/certificates/tasks.py)."""
    if not (enrolments and (enrolments[0].cohort.course.completion or {}).get("min_attendance")):
        return
    issue_later([enrolment for enrolment in enrolments if enrolment.status == EnrolmentStatus.COMPLETED])


def erase_personal_data(user, **_kwargs) -> None:
    """Deleting an account: the name leaves the certificates (which stay valid) and the trainers'
    notes on the person's approvals go."""
    anonymise_certificates(user)
    erase_approval_notes(user)


def export_personal_data(user, **_kwargs) -> dict[str, list]:
    return {"completion_approvals": export_approvals(user)}
