"""Prepared downloads ("Meine Downloads"): large exports built by a background job, with
progress, offered until they expire. Features register their kinds of file with
`app.exports.services.register`; this package imports none of them."""
from app.exports.cli import cli  # noqa: F401
from app.exports.routes import bp  # noqa: F401
