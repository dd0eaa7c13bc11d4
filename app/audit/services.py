"""Recording audit events, in the transaction of the action they describe."""
from __future__ import annotations

from app.audit.models import AuditEvent
from app.extensions import db

# The actions recorded, with their German labels for the admin page.
ACTIONS = {
    "login": "Anmeldung",
    "login_failed": "Fehlgeschlagene Anmeldung",
    "logout": "Abmeldung",
    "sso_linked": "Dienstkonto verbunden (Single Sign-on)",
    "password_reset_requested": "Passwort-Link angefordert",  # nosec B105 - an action name, not a password
    "password_changed": "Passwort geändert",  # nosec B105 - an action name, not a password
    "role_changed": "Rolle geändert",
    "enrolment_changed": "Einschreibung geändert",
    "grade_recorded": "Bewertung erfasst",
    "completion_approved": "Abschluss freigegeben",
    "certificate_issued": "Zertifikat ausgestellt",
    "certificate_revoked": "Zertifikat widerrufen",
    "certificate_reissued": "Zertifikat neu ausgestellt",
    "data_exported": "Daten exportiert",
    "account_deleted": "Konto gelöscht",
    "course_imported": "Kurs importiert",
    "account_activated": "Konto aktiviert",
    "account_deactivated": "Konto deaktiviert",
    "agency_scope_changed": "Länder der Agentur geändert",
    "setting_changed": "Einstellung geändert",
    "api_token_created": "API-Token erstellt",  # nosec B105 - an action name, not a token
    "api_token_revoked": "API-Token widerrufen",  # nosec B105 - an action name, not a token
    "attendance_recorded": "Anwesenheit erfasst",
    "discussion_moderated": "Diskussion moderiert",
    "directory_consent_given": "Eintrag im Netzwerk freigegeben",
    "directory_consent_withdrawn": "Eintrag im Netzwerk zurückgezogen",
    "job_retried": "Hintergrundauftrag erneut gestartet",
}


def record(action: str, actor=None, obj=None, object_type: str | None = None, object_id=None, **detail) -> AuditEvent:
    """Adds an event to the current transaction. `obj` is any model instance with an id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = obj.id
    event = AuditEvent(
        actor_id=getattr(actor, "id", actor), action=action, object_type=object_type,
        object_id=str(object_id) if object_id is not None else None, detail=detail,
    )
    db.session.add(event)
    return event
