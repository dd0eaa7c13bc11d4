"""A discussion space per cohort and module: threads, replies, moderation, reply notifications."""
from app.discussions.routes import bp  # noqa: F401
