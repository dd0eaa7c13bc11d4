"""The Prometheus metrics: a latency histogram per endpoint, observed on every request, and gauges
read from the database when Prometheus scrapes (one aggregate query each, never a query per row).

Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR set (before the app is imported), the
histogram lives in memory-mapped files there and /metrics adds up all workers (prometheus_client's
multiprocess mode, docs/deployment.md)."""
from __future__ import annotations

import os
from datetime import timezone

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import case, func, select

from app import clock
from app.extensions import db

disable_created_metrics()  # no "_created" series beside each histogram: half the lines, nothing lost for us

# Labels are the Flask endpoint (never the raw URL), a known method and the status class: a few
# hundred series at most, whatever URLs clients make up.
REQUEST_SECONDS = Histogram(
    "scc_http_request_duration_seconds",
    "Time from the first before_request hook to the response, per Flask endpoint; _count is the number of requests.",
    ("endpoint", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}
_children: dict[tuple[str, str, str], Histogram] = {}  # labels() validates and locks; a dict lookup does not


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    key = (endpoint or "none", method if method in METHODS else "other", STATUS_CLASSES.get(status // 100, "other"))
    child = _children.get(key)
    if child is None:
        child = _children.setdefault(key, REQUEST_SECONDS.labels(*key))
    child.observe(seconds)


class DatabaseCollector:
    """Gauges computed at scrape time: the mail outbox, certificates issued, the engine's pool."""

    def collect(self):
        from app.certificates.models import Certificate
        from app.mail.models import OutgoingMail
        from app.mail.services import MAX_ATTEMPTS

        up = GaugeMetricFamily("scc_metrics_database_up", "1 if the scrape-time queries below answered.")
        try:
            deliverable = OutgoingMail.attempts < MAX_ATTEMPTS
            unsent, given_up, oldest = db.session.execute(
                select(
                    func.count(case((deliverable, 1))),
                    func.count(case((~deliverable, 1))),
                    func.min(case((deliverable, OutgoingMail.created_at))),
                ).where(OutgoingMail.sent_at.is_(None))
            ).one()
            certificates = db.session.execute(
                select(Certificate.kind, Certificate.status, func.count()).group_by(Certificate.kind, Certificate.status)
            ).all()
        except Exception:  # a scrape must not fail because the database does
            db.session.rollback()
            up.add_metric([], 0)
            yield up
        else:
            up.add_metric([], 1)
            yield up
            yield GaugeMetricFamily("scc_mail_outbox_unsent", "Queued mails not yet delivered that will be retried.", value=unsent)
            yield GaugeMetricFamily(
                "scc_mail_outbox_given_up", f"Undelivered mails after {MAX_ATTEMPTS} failed attempts (not retried).", value=given_up
            )
            age = 0.0
            if oldest is not None:
                if oldest.tzinfo is None:
                    oldest = oldest.replace(tzinfo=timezone.utc)
                age = max((clock.now() - oldest).total_seconds(), 0.0)
            yield GaugeMetricFamily(
                "scc_mail_outbox_oldest_unsent_age_seconds", "Age of the oldest mail still to be delivered; 0 if none.", value=age
            )
            issued = GaugeMetricFamily("scc_certificates", "Certificates in the database by kind and status.", labels=("kind", "status"))
            for kind, status, count in certificates:
                issued.add_metric([kind, getattr(status, "value", str(status))], count)
            yield issued
        yield from _pool_metrics()


def _pool_metrics():
    """This process's SQLAlchemy connection pool (in multiprocess mode: the worker that answered)."""
    pool = db.engine.pool
    if not hasattr(pool, "checkedout"):  # NullPool, StaticPool: nothing to count
        return
    yield GaugeMetricFamily("scc_db_pool_checked_out", "Database connections in use by this process.", value=pool.checkedout())
    yield GaugeMetricFamily("scc_db_pool_size", "Connections the pool keeps open (pool_size).", value=pool.size())
    # SQLAlchemy counts overflow from -pool_size upwards; only connections beyond the size are overflow
    yield GaugeMetricFamily("scc_db_pool_overflow", "Connections open beyond pool_size (up to max_overflow).", value=max(pool.overflow(), 0))


def exposition() -> tuple[bytes, str]:
    """The text Prometheus reads: this process's (or all workers') metrics plus the scrape-time gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        base = generate_latest(registry)
    else:
        base = generate_latest(REGISTRY)
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(DatabaseCollector())
    return base + generate_latest(scraped), CONTENT_TYPE_LATEST
