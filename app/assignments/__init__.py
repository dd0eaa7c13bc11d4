from app.assignments.cli import cli  # noqa: F401
from app.assignments.routes import bp  # noqa: F401
