from app.accounts.routes import bp  # noqa: F401
