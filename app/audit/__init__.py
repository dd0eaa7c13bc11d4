from app.audit.routes import bp  # noqa: F401
