"""The opt-in directory of certified Smart City Managers, for inter-municipal cooperation."""
from app.directory.routes import bp  # noqa: F401
