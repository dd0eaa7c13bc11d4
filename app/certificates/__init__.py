from app.certificates.cli import cli  # noqa: F401
from app.certificates.routes import bp  # noqa: F401
from app.certificates import credential_routes  # noqa: F401,E402  (adds the Open Badges routes to bp)
