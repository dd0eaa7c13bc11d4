"""Exit 0 when PostgreSQL answers at TEST_DATABASE_URL (used by `make test`)."""
import os
import sys

import psycopg

url = os.environ.get("TEST_DATABASE_URL", "")
if not url.startswith("postgresql"):
    sys.exit(1)
dsn = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(dsn, connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
