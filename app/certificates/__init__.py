from app.certificates.cli import cli  # noqa: F401
from app.certificates.routes import bp  # noqa: F401
