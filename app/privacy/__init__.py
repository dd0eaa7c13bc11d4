"""Privacy (DSGVO): data export, account deletion, purge of expired tokens."""
from app.privacy.cli import cli  # noqa: F401
from app.privacy.routes import bp  # noqa: F401
