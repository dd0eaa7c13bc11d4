from app.catalogue.cli import cli  # noqa: F401
from app.catalogue.routes import bp  # noqa: F401
