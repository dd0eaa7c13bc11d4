from __future__ import annotations

import pytest

from tests.reporting.conftest import built_world, world  # noqa: F401  (the fixtures, shared with the reporting tests)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def tokens(db, world):
    """A token for each of the agency users and the admin, created through the service."""
    from app.api.services import create_token

    result = {}
    for key, user in (("agency_12", world.agency_12), ("agency_09", world.agency_09), ("admin", world.admin)):
        _row, token = create_token(user, f"Token {key}")
        result[key] = token
    db.session.commit()
    return result
