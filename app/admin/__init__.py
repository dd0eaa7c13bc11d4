from app.admin.routes import bp  # noqa: F401
