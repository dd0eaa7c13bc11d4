from app.quizzes.routes import bp  # noqa: F401
