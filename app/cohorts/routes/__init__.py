"""Trainer and admin pages for cohorts, and the public invitation link: one blueprint, its pages
in one module per area (all registered on `bp` by app/cohorts/__init__.py):

- cohorts.py      the cohort list, creating and editing a cohort, its page, its release schedule
- enrolments.py   what a trainer does with one learner's enrolment: invite again, withdraw,
                  reactivate, approve the completion, move to another cohort
- invitations.py  inviting learners (upload or pasted list, preview, confirm) and the public
                  link that accepts an invitation
- progress.py     the progress matrix and its CSV/XLSX exports
- reminders.py    reminder mails to chosen learners"""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from app import navigation
from app.accounts.models import Role
from app.cohorts.downloads import status_labels  # noqa: F401  (the pages' labels of the enrolment states)
from app.regions import district, land_name

bp = Blueprint("cohorts", __name__)
navigation.register("cohorts.index", lambda: _("Kohorten"), {"trainer", "admin"}, order=30)

STAFF = (Role.TRAINER, Role.ADMIN)




@bp.app_context_processor
def _cohort_helpers():
    return {"district_of": district, "land_name": land_name}
