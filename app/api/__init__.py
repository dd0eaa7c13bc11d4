from app.api.routes import bp  # noqa: F401
