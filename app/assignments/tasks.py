"""Background tasks of assignments, run by the worker's schedule (app/jobs); the CLI commands
`assignments digest`, `assignments cleanup-files` and `assignments send-due-reminders` do the
same for cron users."""
from __future__ import annotations

from app import jobs

DAY = 24 * 3600


@jobs.task("assignments.digest")
def send_digest() -> int:
    from app.assignments.services import send_trainer_digest
    from app.extensions import db

    count = send_trainer_digest()
    db.session.commit()  # the commit queues the delivery of the digest mails
    return count


@jobs.task("assignments.cleanup_files")
def cleanup_files() -> int:
    from app.assignments.services import remove_orphaned_files
    from app.files import get_store

    return len(remove_orphaned_files(get_store(), min_age_seconds=3600))


jobs.periodic("assignments.digest", every=DAY, offset=6 * 3600, when=lambda config: config.get("TRAINER_NOTIFICATIONS") == "digest")
jobs.periodic("assignments.cleanup_files", every=DAY, offset=3 * 3600 + 15 * 60)


@jobs.task("assignments.due_reminders")
def send_due_reminders() -> int:
    from flask import current_app

    from app.assignments.reminders import send_due_reminders as send
    from app.extensions import db

    if not current_app.config.get("DUE_REMINDERS"):
        return 0
    count = send()
    db.session.commit()  # the reminder rows and their mails together; the commit queues the delivery
    return count


# hourly: a learner enrolled (or a due date moved) during the day is reminded within the hour
jobs.periodic("assignments.due_reminders", every=3600, offset=10 * 60, when=lambda config: bool(config.get("DUE_REMINDERS")))
