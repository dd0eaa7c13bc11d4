"""Background tasks of privacy, run by the worker's schedule (app/jobs); `privacy purge-tokens`
does the same for cron users."""
from __future__ import annotations

from app import jobs


@jobs.task("privacy.purge_tokens")
def purge_tokens() -> None:
    from app.extensions import db
    from app.privacy.services import purge_tokens as purge

    purge()
    db.session.commit()


jobs.periodic("privacy.purge_tokens", every=24 * 3600, offset=3 * 3600 + 30 * 60)
