"""What operators see: request counts and latencies for Prometheus (/metrics), and in production
one JSON log line per request.

The two hooks below run on every request, so they stay minimal (issue 17: a signed-in page must be
cheap): one perf_counter pair and one histogram observation; the JSON line only when LOG_FORMAT is
json. Everything else (outbox, certificates, database pool) is computed when Prometheus scrapes."""
from __future__ import annotations

from time import perf_counter

from flask import g, request


def register_observability(app) -> None:
    import os

    from app.config import ConfigError
    from app.observability import logs, metrics, routes

    multiproc = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if multiproc and not os.path.isdir(multiproc):  # else every request would fail on its first metric
        raise ConfigError(f"PROMETHEUS_MULTIPROC_DIR={multiproc!r} is not a directory; create it (empty) before starting.")
    if app.config["LOG_FORMAT"] == "json":
        logs.configure_json_logging(app)
    config = app.config

    def start_timer() -> None:
        g.request_started = perf_counter()

    def observe(response):
        started = g.pop("request_started", None)
        if started is None:
            return response
        seconds = perf_counter() - started
        metrics.observe_request(request.endpoint, request.method, response.status_code, seconds)
        if config["LOG_FORMAT"] == "json":
            logs.log_request(response, seconds)
        return response

    # First of all before_request functions, so the time includes the rate limiter's checks and a
    # request it refuses (429) is counted too.
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request(observe)
    app.register_blueprint(routes.bp)
