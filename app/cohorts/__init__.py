from app.cohorts.routes import bp  # noqa: F401
from app.cohorts.routes import cohorts, enrolments, invitations, progress, reminders  # noqa: F401,E402  (add their pages to bp)
