"""A web worker loads what every page needs and no more: the libraries of optional or rare work
(single sign-on, certificate PDFs, calendar files) and of the command line (`flask db`) are imported when that work is done, so that
a worker without them stays small (issue 17, memory per worker; docs/performance.md)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("authlib", "joserfc", "requests", "reportlab", "pikepdf", "icalendar", "boto3", "dramatiq",
         "flask_migrate", "alembic", "mako")  # the last three only for `flask db` (app.extensions.MigrationCommands)


def test_starting_the_app_loads_none_of_the_libraries_of_optional_work(tmp_path):
    script = (
        "import json, sys; import wsgi; "
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("OIDC_", "REDIS", "JOBS_", "FILE_STORAGE", "S3_", "AWS_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
