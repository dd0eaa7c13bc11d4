"""Starting the test OpenID provider (tests/accounts/oidc_provider.mjs, panva's oidc-provider)."""
from __future__ import annotations

import json
import subprocess  # nosec B404 - starts the test provider with a fixed argument list
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")


@contextmanager
def running_provider(clients: list[dict]):
    """Yields the issuer URL of a provider on 127.0.0.1 (ephemeral port) with these clients."""
    process = subprocess.Popen(  # nosec B603 B607
        ["node", str(SCRIPT)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "OIDC_TEST_CLIENTS": json.dumps(clients), "NODE_ENV": "test"},
    )
    try:
        issuer = process.stdout.readline().strip()
        if not issuer.startswith("http://127.0.0.1:"):
            process.kill()
            pytest.fail(f"oidc-provider did not start (make test installs it from package.json): {process.stderr.read()}")
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def set_fault(issuer: str, mode: str) -> None:
    """"audience", "audience-with-azp", "expired" or "none": see oidc_provider.mjs."""
    requests.post(f"{issuer}/__test__/fault", data=mode, timeout=5).raise_for_status()
