"""Flask extensions, created unbound and bound to the app in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from app.db import db  # noqa: F401  (created in app.db beside Base; imported from here like the others)

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# In-memory by default; RATELIMIT_STORAGE_URI=redis://… makes several app servers share the counts.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
