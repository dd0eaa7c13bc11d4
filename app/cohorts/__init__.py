from app.cohorts.routes import bp  # noqa: F401
