from __future__ import annotations

import pytest


@pytest.fixture()
def certify(app, db, make):
    """A learner with a valid certificate, profile filled in."""
    from app.certificates.services import issue_certificate

    def certify(name: str, district_ags: str = "12067", municipality: str = "Fürstenwalde/Spree", email: str | None = None):
        enrolment = make.enrolment(user=make.user("learner", name=name, email=email))
        user = enrolment.user
        user.municipality, user.district_ags, user.land, user.position = municipality, district_ags, district_ags[:2], "Digitalisierung"
        with app.test_request_context():
            certificate = issue_certificate(enrolment)
        return user, certificate

    return certify


def bind_agency(user, land: str) -> None:
    try:
        from app.admin.services import set_agency_laender
    except ImportError:
        user.land = land
        from app.admin.models import AgencyScope
        from app.extensions import db

        db.session.add(AgencyScope(user_id=user.id, land=land))
        db.session.flush()
        return
    set_agency_laender(user, [land])
