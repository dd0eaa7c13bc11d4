"""/metrics for Prometheus: only for a bearer token (METRICS_TOKEN) or from an allowed address
(METRICS_ALLOW_IPS, default loopback). No session, no CSRF, no rate limit."""
from __future__ import annotations

import hmac
from functools import lru_cache
from ipaddress import ip_address, ip_network

from flask import Blueprint, Response, current_app, request

from app.extensions import csrf, limiter
from app.observability.metrics import exposition

bp = Blueprint("observability", __name__)


@lru_cache(maxsize=16)
def _networks(setting: str):
    return tuple(ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())


def _token_matches(token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _address_allowed(config) -> bool:
    # Behind a proxy that the app was not told about (PROXY_COUNT=0), the peer is the proxy,
    # maybe on 127.0.0.1, and the real client is unknown: no address-based access then.
    if not config["PROXY_COUNT"] and ("X-Forwarded-For" in request.headers or "Forwarded" in request.headers):
        return False
    try:
        address = ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(config["METRICS_ALLOW_IPS"]))


def may_scrape() -> bool:
    config = current_app.config
    token = config.get("METRICS_TOKEN")
    return bool(token and _token_matches(token)) or _address_allowed(config)


@bp.get("/metrics")
@csrf.exempt
@limiter.exempt
def metrics():
    if not may_scrape():
        headers = {"WWW-Authenticate": "Bearer"} if current_app.config.get("METRICS_TOKEN") else {}
        return Response("forbidden\n", 403 if not headers else 401, headers, mimetype="text/plain")
    body, content_type = exposition()
    return Response(body, 200, {"Cache-Control": "no-store"}, content_type=content_type)
