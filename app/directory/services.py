"""The write API of the directory: publish (with consent) and withdraw. Flushes, never commits."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.audit.services import record
from app.directory import topics as topic_rules
from app.directory.access import can_list_self
from app.directory.models import DirectoryEntry
from app.errors import DomainError, NotAllowed
from app.extensions import db
from app.regions import district


def entry_of(user: User) -> DirectoryEntry | None:
    return db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.user_id == user.id))


def publish_entry(user: User, *, consent: bool, name: str, municipality: str, district_ags: str, position: str,
                  topics: str, contact_email: str) -> DirectoryEntry:
    """Creates or updates the user's entry. Requires the explicit consent given in this request."""
    if not consent:
        raise DomainError(_("Ohne Ihre ausdrückliche Einwilligung wird nichts veröffentlicht."))
    if not can_list_self(user):
        raise NotAllowed(_("In das Netzwerk können sich nur zertifizierte Smart City Manager:innen eintragen."))
    found = district(district_ags)
    if found is None:
        raise DomainError(_("Bitte wählen Sie Ihren Kreis aus."))
    if not (name or "").strip() or not (municipality or "").strip() or not (contact_email or "").strip():
        raise DomainError(_("Name, Kommune und Kontaktadresse sind nötig."))
    parsed = topic_rules.parse(topics)
    entry = entry_of(user)
    created = entry is None
    if created:
        entry = DirectoryEntry(user_id=user.id, consented_at=clock.now())
        db.session.add(entry)
    entry.name = name.strip()[:200]
    entry.municipality = municipality.strip()[:200]
    entry.district_ags = found.ags
    entry.land = found.land
    entry.position = (position or "").strip()[:200]
    entry.topics = ", ".join(parsed)
    entry.topics_key = topic_rules.search_key(parsed)
    entry.contact_email = contact_email.strip()[:254]
    entry.consented_at = clock.now()  # the consent given with this version of the data
    db.session.flush()
    if created:
        record("directory_consent_given", actor=user, obj=entry)
    return entry


def withdraw_entry(user: User) -> bool:
    """Deletes the entry at once; True if there was one."""
    entry = entry_of(user)
    if entry is None:
        return False
    entry_id = entry.id
    db.session.delete(entry)
    record("directory_consent_withdrawn", actor=user, object_type="directory_entries", object_id=entry_id)
    db.session.flush()
    return True
