"""Runs tests/certificates/verify_vc.mjs: Open Badges credentials checked by `jose` (npm), an
independent JOSE implementation, against the JWKS and the status list the platform served."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = Path(__file__).with_name("verify_vc.mjs")


def require_node() -> None:
    if not shutil.which("node") or not (ROOT / "node_modules" / "jose").exists():
        if os.environ.get("CI"):
            pytest.fail("node or jose missing: make test installs them (package.json)")
        pytest.skip("node or jose missing (make test installs it with npm)")


def verify_credentials(tokens: list[str], jwks: bytes, status_list: bytes | None = None) -> list[dict]:
    """One result per token: {verified, error?, header, credential, revoked, statusList}."""
    require_node()
    with tempfile.TemporaryDirectory() as folder:
        args = ["node", str(VERIFIER), str(Path(folder) / "jwks.json")]
        (Path(folder) / "jwks.json").write_bytes(jwks)
        if status_list is not None:
            (Path(folder) / "status.jwt").write_bytes(status_list)
            args.append(str(Path(folder) / "status.jwt"))
        done = subprocess.run(args, input=json.dumps(tokens), capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
