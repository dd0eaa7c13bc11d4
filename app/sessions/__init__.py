"""Live sessions (Termine) of a cohort, their iCalendar files and the attendance trainers record."""
from app.sessions.routes import bp  # noqa: F401
