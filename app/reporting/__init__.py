from app.reporting.routes import bp  # noqa: F401
