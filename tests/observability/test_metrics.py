"""/metrics through real requests: who may scrape, and that the figures move."""
from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.db import utcnow

OUTSIDER = {"REMOTE_ADDR": "203.0.113.9"}


def parse(response) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of an exposition."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def requests_counted(figures, endpoint: str, method: str = "GET", status: str = "2xx") -> float:
    key = ("scc_http_request_duration_seconds_count", (("endpoint", endpoint), ("method", method), ("status", status)))
    return figures.get(key, 0.0)


def test_loopback_may_scrape_without_configuration_and_gets_no_cookie(browser, make):
    browser.login(make.user())
    response = browser.get("/metrics")
    assert ("scc_metrics_database_up", ()) in parse(response)
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_another_address_is_refused_without_a_token(client):
    response = client.get("/metrics", environ_overrides=OUTSIDER)
    assert response.status_code == 403
    assert "scc_" not in response.get_data(as_text=True)


def test_a_proxy_the_app_does_not_know_about_hides_the_client_so_loopback_counts_for_nothing(client):
    """PROXY_COUNT=0 but the request came through a proxy on the same machine: refused."""
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 403


def test_allowed_network(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ALLOW_IPS", "10.0.0.0/8")
    assert client.get("/metrics", environ_overrides={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback is no longer on the list


@pytest.mark.parametrize("authorization", [None, "Bearer falsch", "Basic c2NyYXBlcjpnZWhlaW0=", "Bearer "])
def test_token_required_when_no_address_is_allowed(app, client, monkeypatch, authorization):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "ein-langes-geheimnis")
    monkeypatch.setitem(app.config, "METRICS_ALLOW_IPS", "")
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "scc_" not in response.get_data(as_text=True)


def test_the_token_opens_it_from_any_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "ein-langes-geheimnis")
    response = client.get("/metrics", headers={"Authorization": "Bearer ein-langes-geheimnis"}, environ_overrides=OUTSIDER)
    assert ("scc_metrics_database_up", ()) in parse(response)


def test_requests_are_counted_per_endpoint_not_per_url(client):
    before = parse(client.get("/metrics"))
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/gibt-es-nicht/4711?x=1").status_code == 404
    response = client.get("/metrics")
    after = parse(response)
    assert requests_counted(after, "core.healthz") == requests_counted(before, "core.healthz") + 3
    assert requests_counted(after, "none", status="4xx") == requests_counted(before, "none", status="4xx") + 1
    # the URL never becomes a label (a number could turn up in a latency sum, a word cannot)
    assert "gibt-es-nicht" not in response.get_data(as_text=True)
    latency = ("scc_http_request_duration_seconds_sum", (("endpoint", "core.healthz"), ("method", "GET"), ("status", "2xx")))
    assert after[latency] > before.get(latency, 0.0)


def test_outbox_gauges_show_a_queued_mail_and_its_age(app, client, db):
    from app.mail.models import OutgoingMail

    before = parse(client.get("/metrics"))
    db.session.add(OutgoingMail(recipient="a@example.net", subject="Hallo", body="…", created_at=utcnow() - timedelta(hours=2)))
    db.session.add(OutgoingMail(recipient="b@example.net", subject="Aufgegeben", body="…", attempts=99))
    db.session.flush()
    after = parse(client.get("/metrics"))
    assert after[("scc_mail_outbox_unsent", ())] == before[("scc_mail_outbox_unsent", ())] + 1
    assert after[("scc_mail_outbox_given_up", ())] == before[("scc_mail_outbox_given_up", ())] + 1
    assert after[("scc_mail_outbox_oldest_unsent_age_seconds", ())] >= 7190  # the mail given up does not count


def test_scrape_time_gauges_cost_a_fixed_number_of_statements(app, client, db, make):
    from sqlalchemy import event

    from app.certificates.models import Certificate, CertificateStatus

    def scrape_counting() -> tuple[dict, int]:
        sent = []
        listener = lambda *args: sent.append(args[2])  # noqa: E731
        event.listen(db.session.get_bind(), "before_cursor_execute", listener)
        try:
            return parse(client.get("/metrics")), len([s for s in sent if s.lstrip().upper().startswith("SELECT")])
        finally:
            event.remove(db.session.get_bind(), "before_cursor_execute", listener)

    before, statements_before = scrape_counting()
    for number in range(3):
        enrolment = make.enrolment()
        db.session.add(Certificate(
            enrolment_id=enrolment.id, number=f"T-{number}", code=f"code-{number}", kind="zertifikat",
            data={}, status=CertificateStatus.VALID if number else CertificateStatus.REVOKED,
        ))
    db.session.flush()
    after, statements_after = scrape_counting()
    key = ("scc_certificates", (("kind", "zertifikat"), ("status", CertificateStatus.VALID.value)))
    assert after[key] == before.get(key, 0.0) + 2
    assert statements_after == statements_before == 2


def test_pool_gauges_appear_on_a_pooled_engine_and_count_a_held_connection(request, tmp_path):
    """The shared test app runs each test on one connection in a rolled-back transaction, so an
    app of its own here, with a QueuePool of 3 (as on PostgreSQL in production): the pool's
    series are in the scrape and follow a connection taken and given back."""
    from sqlalchemy.pool import QueuePool

    from app import create_app
    from app.config import TestConfig
    from app.extensions import db
    from tests.conftest import worker_id
    from tests.databases import fresh_database

    settings = TestConfig.settings()
    settings.update(SQLALCHEMY_DATABASE_URI=fresh_database(tmp_path, f"metrics_pool_{worker_id(request)}"),
                    SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 3, "max_overflow": 2})
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        try:
            assert isinstance(db.engine.pool, QueuePool)
            client = app.test_client()
            before = parse(client.get("/metrics"))
            assert before[("scc_db_pool_size", ())] == 3
            assert before[("scc_db_pool_overflow", ())] == 0
            with db.engine.connect():  # one connection in use while Prometheus scrapes
                during = parse(client.get("/metrics"))
            assert during[("scc_db_pool_checked_out", ())] == before[("scc_db_pool_checked_out", ())] + 1
            assert parse(client.get("/metrics"))[("scc_db_pool_checked_out", ())] == before[("scc_db_pool_checked_out", ())]
        finally:
            db.session.remove()
            db.engine.dispose()
