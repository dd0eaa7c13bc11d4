from app.learning.routes import bp  # noqa: F401
