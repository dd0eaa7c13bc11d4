"""/api/v1 is rate-limited per token and per client address; a refused request gets 429 as JSON
with a Retry-After header, before the token is even looked up."""
from __future__ import annotations

import pytest

from tests.api.conftest import bearer


@pytest.fixture()
def limits(app, monkeypatch):
    from app.extensions import limiter

    def set_limits(per_token: str = "1000 per minute", per_address: str = "1000 per minute") -> None:
        monkeypatch.setitem(app.config, "API_TOKEN_RATE_LIMIT", per_token)
        monkeypatch.setitem(app.config, "API_ADDRESS_RATE_LIMIT", per_address)
        limiter.reset()

    yield set_limits
    limiter.reset()


def call(client, url: str, token: str | None, address: str):
    headers = bearer(token) if token else {}
    return client.get(url, headers=headers, environ_base={"REMOTE_ADDR": address})


def test_each_token_has_its_own_limit_across_all_endpoints(client, tokens, limits):
    limits(per_token="3 per minute")
    urls = ["/api/v1/figures", "/api/v1/cohorts", "/api/v1/certificates"]
    assert [call(client, url, tokens["agency_12"], "198.51.100.20").status_code for url in urls] == [200, 200, 200]
    refused = call(client, "/api/v1/figures", tokens["agency_12"], "198.51.100.21")  # another address does not help
    assert refused.status_code == 429
    assert refused.mimetype == "application/json"
    body = refused.get_json()
    assert body["error"] == "Too Many Requests" and body["status"] == 429
    assert 1 <= body["retry_after"] <= 60 and "3 per 1 minute" in body["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"
    assert call(client, "/api/v1/figures", tokens["agency_09"], "198.51.100.20").status_code == 200  # another token does


def test_each_address_has_its_own_limit_across_tokens(client, tokens, limits):
    limits(per_address="4 per minute")
    address = "198.51.100.30"
    statuses = [call(client, "/api/v1/figures", tokens[key], address).status_code
                for key in ("agency_12", "agency_09", "admin", "agency_12")]
    assert statuses == [200, 200, 200, 200]
    assert call(client, "/api/v1/figures", tokens["admin"], address).status_code == 429
    assert call(client, "/api/v1/openapi.json", None, address).status_code == 429  # the public document counts too
    assert call(client, "/api/v1/figures", tokens["admin"], "203.0.113.30").status_code == 200


def test_guessing_tokens_is_limited_per_address(client, tokens, limits):
    limits(per_address="5 per minute")
    guesses = [call(client, "/api/v1/figures", f"scc_guess{i:04d}", "198.51.100.40").status_code for i in range(6)]
    assert guesses == [401] * 5 + [429]
    assert call(client, "/api/v1/figures", tokens["agency_12"], "198.51.100.40").status_code == 429  # even the right one waits


def test_the_limits_come_from_the_configuration(client, tokens, limits):
    limits(per_token="2 per minute")
    assert [call(client, "/api/v1/figures", tokens["agency_12"], "198.51.100.50").status_code for _ in range(3)] == [200, 200, 429]
    limits(per_token="10 per minute")
    assert call(client, "/api/v1/figures", tokens["agency_12"], "198.51.100.50").status_code == 200
