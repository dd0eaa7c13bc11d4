"""The events one feature publishes and others act on, so that a lower layer never imports a
higher one (docs/architecture.md).

Blinker signals (blinker ships with Flask). Receivers are connected explicitly in create_app
(each feature's `subscribe()`), never as a side effect of an import, and run synchronously
inside the publisher's call — in its transaction: what they write commits or rolls back with
it, and an exception in a receiver fails the publisher's request as it would have before.

Publishers send with the object as the sender and keyword arguments for the rest; receivers
take `(sender, **kwargs)`."""
from __future__ import annotations

from blinker import Namespace

_events = Namespace()

course_imported = _events.signal("course-imported")
"""Sent by catalogue (import_course) after a course's content was written; sender: the Course.
Progress recounts every enrolment's totals against the course's current items."""

course_completed = _events.signal("course-completed")
"""Sent by progress (complete_item) when an enrolment's last required item is done; sender: the
Enrolment, just marked completed. Certificates issue the certificate if it is due."""

attendance_recorded = _events.signal("attendance-recorded")
"""Sent by sessions (record_attendance) after attendance of a live session was stored; sender:
the LiveSession, `enrolments`: the enrolments whose attendance was recorded. Certificates issue
the certificates that the attendance now makes due."""

account_erasing = _events.signal("account-erasing")
"""Sent by privacy (delete_account) after its own erasure and before the audit record; sender:
the User, already anonymised. Features that hold personal data privacy does not know about
erase or anonymise it here."""

account_exporting = _events.signal("account-exporting")
"""Sent by privacy (the data export) for one person; sender: the User. Each receiver returns a
dict of further export categories, name → JSON-serialisable rows."""
