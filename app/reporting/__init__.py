from app.reporting.cli import cli  # noqa: F401
from app.reporting.routes import bp  # noqa: F401
