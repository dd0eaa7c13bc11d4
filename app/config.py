"""Configuration from environment variables.

`Config` is what runs in development and production; `TestConfig` is what the test suite uses.
Every setting can be overridden by an environment variable of the same name.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance_path: Path) -> str:
    """A development secret generated once and kept in instance/, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class ConfigError(RuntimeError):
    """The configuration is unusable; the app refuses to start."""


class Config:
    ENV_NAME = os.environ.get("APP_ENV", "development")  # development | production
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SITE_NAME = os.environ.get("SITE_NAME", "Smart City Campus")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    COURSES_DIR = os.environ.get("COURSES_DIR", str(BASE_DIR / "courses"))
    # Re-import courses/ when a file changes (development only; production imports explicitly)
    COURSES_AUTO_RELOAD = _bool("COURSES_AUTO_RELOAD", ENV_NAME == "development")
    CERTIFICATE_DESIGNS_DIR = os.environ.get("CERTIFICATE_DESIGNS_DIR", str(BASE_DIR / "certificates"))
    # Who runs this instance: shown in the imprint, privacy notice and accessibility statement
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "Smart City Campus – Qualifizierungsstelle (Demo)")
    OPERATOR_ADDRESS = os.environ.get("OPERATOR_ADDRESS", "Musterstraße 1, 12345 Musterstadt")
    OPERATOR_EMAIL = os.environ.get("OPERATOR_EMAIL", "kontakt@example.org")
    DPO_CONTACT = os.environ.get("DPO_CONTACT", "datenschutz@example.org")
    LEGAL_DIR = os.environ.get("LEGAL_DIR")
    CERTIFICATE_ISSUER = os.environ.get("CERTIFICATE_ISSUER", "Smart City Campus – Qualifizierungsstelle")
    CERTIFICATE_ISSUER_COUNTRY = os.environ.get("CERTIFICATE_ISSUER_COUNTRY", "Deutschland")
    # Signatories as "Name|Rolle|Unterschrift.png;…"; the image is looked up in the design's folder
    CERTIFICATE_SIGNATORIES = os.environ.get(
        "CERTIFICATE_SIGNATORIES",
        "Dr. Erika Mustermann|Leitung der Qualifizierungsstelle|signature-1.png;Max Beispiel|Programmleitung Smart City|signature-2.png",
    )
    # Ed25519 private key, base64 of its 32 raw bytes (`flask certificates generate-key`); required
    # in production, generated once into instance/certificate_signing_key in development
    CERTIFICATE_SIGNING_KEY = os.environ.get("CERTIFICATE_SIGNING_KEY")
    # Former public keys (base64, comma-separated) that `certificates verify` still accepts
    CERTIFICATE_VERIFY_KEYS = os.environ.get("CERTIFICATE_VERIFY_KEYS", "")

    # smtp | directory (app/mail/transports.py); unset: smtp when MAIL_SERVER is set, else directory
    MAIL_TRANSPORT = os.environ.get("MAIL_TRANSPORT")
    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # unset: mails are written to instance/mail/
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Smart City Campus <no-reply@localhost>")
    MAIL_DIR = os.environ.get("MAIL_DIR")  # default: <instance>/mail
    # A deliverer's claim on an outbox row: nobody else sends it meanwhile (app/mail/services.py)
    MAIL_CLAIM_SECONDS = int(os.environ.get("MAIL_CLAIM_SECONDS", "120"))

    # Background jobs (app/jobs): unset = in-process, on a thread of each app process once the
    # request is done, as `make run` needs it.
    # Set (redis://host:6379/0): jobs go to Redis and `flask --app wsgi worker` runs them.
    REDIS_URL = os.environ.get("REDIS_URL")
    JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL")  # default: REDIS_URL
    JOBS_NAMESPACE = os.environ.get("JOBS_NAMESPACE", "scc")  # prefix of every Redis key of the queue
    JOBS_MAX_RETRIES = int(os.environ.get("JOBS_MAX_RETRIES", "5"))  # then the job is in the failed list
    JOBS_MIN_BACKOFF_SECONDS = float(os.environ.get("JOBS_MIN_BACKOFF_SECONDS", "10"))  # doubles per retry
    JOBS_MAX_BACKOFF_SECONDS = float(os.environ.get("JOBS_MAX_BACKOFF_SECONDS", "900"))
    JOBS_WORKER_THREADS = int(os.environ.get("JOBS_WORKER_THREADS", "4"))
    # A job running longer is stopped and retried (dramatiq's default is 10 minutes; a prepared
    # download of a whole Land's register may take longer on a small worker)
    JOBS_TIME_LIMIT_SECONDS = float(os.environ.get("JOBS_TIME_LIMIT_SECONDS", "3600"))
    # A worker silent this long counts as dead: its unfinished jobs go back to the queue
    JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JOBS_HEARTBEAT_SECONDS", "60"))
    # How often (per million Redis commands of the workers) that check for dead workers runs
    JOBS_MAINTENANCE_PER_MILLION = int(os.environ.get("JOBS_MAINTENANCE_PER_MILLION", "10000"))
    # The worker fires the periodic jobs (mail retries, digest, clean-ups); one per tick across all workers
    JOBS_SCHEDULER = _bool("JOBS_SCHEDULER", True)
    # In-process only: the runner thread (off: jobs run in the response's close(), as the test
    # client's tests expect); at exit the thread finishes what is queued for up to this long
    JOBS_IN_PROCESS_THREAD = _bool("JOBS_IN_PROCESS_THREAD", True)
    JOBS_DRAIN_SECONDS = float(os.environ.get("JOBS_DRAIN_SECONDS", "20"))  # below gunicorn's graceful_timeout (30)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute; 50 per hour")
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per 15 minutes")
    # Public certificate verification (/verify and /verify/<code> together), per client address
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute; 300 per hour")
    # /api/v1: each token, and each client address (all tokens and token-less requests from it)
    API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "60 per minute; 1000 per hour")
    API_ADDRESS_RATE_LIMIT = os.environ.get("API_ADDRESS_RATE_LIMIT", "120 per minute; 2000 per hour")
    # Number of reverse proxies in front of the app whose X-Forwarded-For may be trusted
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # /metrics (Prometheus): a scraper with "Authorization: Bearer <METRICS_TOKEN>", or one from these
    # addresses/networks (comma-separated; empty: none, token only). Default: loopback only.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")
    METRICS_ALLOW_IPS = os.environ.get("METRICS_ALLOW_IPS", "127.0.0.1,::1")
    # "json": one JSON line per log record and per request (app/observability/logs.py); "text": Flask's format
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if ENV_NAME == "production" else "text")
    # Uploaded files; a directory that several app servers may share (default <instance>/files)
    FILE_STORAGE_DIR = os.environ.get("FILE_STORAGE_DIR")
    # Unset: the directory above. s3://bucket/prefix: an S3-compatible object store (app/files/s3.py)
    FILE_STORAGE_URL = os.environ.get("FILE_STORAGE_URL")
    FILE_STORAGE_S3_ENDPOINT = os.environ.get("FILE_STORAGE_S3_ENDPOINT")  # e.g. https://obs.eu-de.otc.t-systems.com
    FILE_STORAGE_S3_REGION = os.environ.get("FILE_STORAGE_S3_REGION")
    # Unset: boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, instance role)
    FILE_STORAGE_S3_ACCESS_KEY = os.environ.get("FILE_STORAGE_S3_ACCESS_KEY")
    FILE_STORAGE_S3_SECRET_KEY = os.environ.get("FILE_STORAGE_S3_SECRET_KEY")
    FILE_STORAGE_S3_ADDRESSING = os.environ.get("FILE_STORAGE_S3_ADDRESSING", "path")  # or "virtual"
    # "stream" (default): downloads go through the app; "presigned": redirect to a short-lived URL
    FILE_DOWNLOAD_REDIRECT = os.environ.get("FILE_DOWNLOAD_REDIRECT", "stream")
    FILE_DOWNLOAD_URL_SECONDS = int(os.environ.get("FILE_DOWNLOAD_URL_SECONDS", "60"))
    # Prepared downloads (app/exports): an export up to this size is built in the request and sent
    # at once; a larger one is built by a job, with a status page and progress ("Meine Downloads").
    # 0 sends every export of that kind through the job queue.
    EXPORT_IMMEDIATE_ROWS = int(os.environ.get("EXPORT_IMMEDIATE_ROWS", "2000"))  # XLSX/CSV rows
    EXPORT_IMMEDIATE_CERTIFICATES = int(os.environ.get("EXPORT_IMMEDIATE_CERTIFICATES", "50"))  # PDFs in a cohort ZIP
    EXPORT_IMMEDIATE_FILES = int(os.environ.get("EXPORT_IMMEDIATE_FILES", "20"))  # uploads in a data export ZIP
    EXPORT_IMMEDIATE_SUBMISSION_FILES = int(os.environ.get("EXPORT_IMMEDIATE_SUBMISSION_FILES", "20"))  # uploads in a cohort's hand-ins ZIP
    EXPORT_RETENTION_HOURS = int(os.environ.get("EXPORT_RETENTION_HOURS", "72"))  # then `exports cleanup` deletes the file
    EXPORT_LEASE_SECONDS = int(os.environ.get("EXPORT_LEASE_SECONDS", "300"))  # a build silent this long may be taken over
    EXPORT_PROGRESS_EVERY = int(os.environ.get("EXPORT_PROGRESS_EVERY", "200"))  # rows between progress commits
    # Uploads that are ZIP archives (DOCX, XLSX, PPTX, ODT, ODS, ODP): at most this much unpacked,
    # this many entries, and no entry packed tighter than this ratio ("zip bombs", app/assignments/archives.py)
    UPLOAD_ARCHIVE_MAX_UNPACKED_MB = int(os.environ.get("UPLOAD_ARCHIVE_MAX_UNPACKED_MB", "100"))
    UPLOAD_ARCHIVE_MAX_ENTRIES = int(os.environ.get("UPLOAD_ARCHIVE_MAX_ENTRIES", "1000"))
    UPLOAD_ARCHIVE_MAX_RATIO = int(os.environ.get("UPLOAD_ARCHIVE_MAX_RATIO", "100"))
    TRAINER_NOTIFICATIONS = os.environ.get("TRAINER_NOTIFICATIONS", "immediate")  # or "digest"
    # Automatic reminders to learners whose assignment is due within DUE_REMINDER_DAYS days (Berlin
    # calendar days, today included) and not handed in: once per learner and assignment (app/assignments/reminders.py).
    DUE_REMINDERS = _bool("DUE_REMINDERS", True)
    DUE_REMINDER_DAYS = int(os.environ.get("DUE_REMINDER_DAYS", "3"))
    # Single sign-on with OpenID Connect (app/sso): all unset = no button, the routes answer 404.
    # The provider's discovery document is read from OIDC_ISSUER/.well-known/openid-configuration.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET")
    OIDC_BUTTON_LABEL = os.environ.get("OIDC_BUTTON_LABEL", "Mit dem Dienstkonto anmelden")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    OIDC_TIMEOUT_SECONDS = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))
    PASSWORD_RESET_HOURS = int(os.environ.get("PASSWORD_RESET_HOURS", "2"))
    INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "14"))  # cohort invitation links
    # Agency figures: counts of fewer people than this are shown as "< 3" (pages, exports, API)
    SMALL_GROUP_THRESHOLD = max(int(os.environ.get("SMALL_GROUP_THRESHOLD", "3")), 1)
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "smartcity-demo")

    # argon2id parameters: the OWASP Password Storage Cheat Sheet's first option (19 MiB, 2 passes,
    # 1 lane). Hashes made with other parameters are renewed at the user's next successful login.
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "2"))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", "19456"))  # KiB
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "1"))
    # Password hashes computed at once per worker process; one leaves a gunicorn worker's other
    # threads to page requests during a wave of logins. A check that waits longer than
    # PASSWORD_HASH_WAIT_SECONDS for its slot is answered 503 ("bitte gleich noch einmal").
    PASSWORD_HASH_CONCURRENCY = int(os.environ.get("PASSWORD_HASH_CONCURRENCY", "1"))
    PASSWORD_HASH_WAIT_SECONDS = float(os.environ.get("PASSWORD_HASH_WAIT_SECONDS", "5"))

    # Templates are compiled once per process; only development looks for changed files (Flask's
    # default: when debugging). Explicit so that no production setting can turn it on by accident.
    TEMPLATES_AUTO_RELOAD = False if ENV_NAME == "production" else None

    LANGUAGES = ("de", "en")
    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"

    SESSION_COOKIE_NAME = "scc_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    REMEMBER_COOKIE_NAME = "scc_remember"  # never set: we do not offer "remember me"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # PostgreSQL (psycopg): a pooled connection that answered less than this many seconds ago is
    # handed out without the ping (app.db.init_database); 0 pings at every checkout.
    DATABASE_PING_AFTER_IDLE_SECONDS = float(os.environ.get("DATABASE_PING_AFTER_IDLE_SECONDS", "0.5"))
    # PostgreSQL (psycopg): statements are prepared on the server after their fifth use; off for a
    # connection pooler that cannot pass prepared statements through (docs/deployment.md)
    DATABASE_PREPARED_STATEMENTS = _bool("DATABASE_PREPARED_STATEMENTS", True)
    # PostgreSQL (psycopg): the login check's answers are kept per process until the database
    # notifies a change (app.accounts.login_cache); a change reaches every process within this many
    # seconds at worst (typically within a millisecond). 0: every signed-in request asks the database.
    LOGIN_CACHE_MAX_LAG_SECONDS = float(os.environ.get("LOGIN_CACHE_MAX_LAG_SECONDS", "1.0"))
    TESTING = False

    @classmethod
    def settings(cls, **overrides) -> dict:
        """The class's settings as the dict create_app takes, with `overrides` (tests start apps
        of their own from TestConfig's)."""
        return {**{key: getattr(cls, key) for key in dir(cls) if key.isupper()}, **overrides}

    @classmethod
    def finalise(cls, app) -> None:
        """Fill in defaults that depend on the instance folder and refuse unsafe production setups."""
        instance = Path(app.instance_path)
        instance.mkdir(parents=True, exist_ok=True)
        if not app.config.get("SQLALCHEMY_DATABASE_URI"):
            app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'campus.sqlite3'}"
        if not app.config.get("FILE_STORAGE_DIR"):
            app.config["FILE_STORAGE_DIR"] = str(instance / "files")
        storage_url = app.config.get("FILE_STORAGE_URL")
        if storage_url and not storage_url.startswith(("s3://", "file://")):
            raise ConfigError(f"FILE_STORAGE_URL must be s3://bucket/prefix (or file:///folder), not {storage_url!r}.")
        if app.config.get("FILE_DOWNLOAD_REDIRECT", "stream") not in {"stream", "presigned"}:
            raise ConfigError("FILE_DOWNLOAD_REDIRECT must be 'stream' or 'presigned'.")
        if app.config.get("LOG_FORMAT") not in {"json", "text"}:
            raise ConfigError("LOG_FORMAT must be 'json' or 'text'.")
        try:
            from ipaddress import ip_network

            for part in app.config.get("METRICS_ALLOW_IPS", "").split(","):
                if part.strip():
                    ip_network(part.strip(), strict=False)
        except ValueError as exc:
            raise ConfigError(f"METRICS_ALLOW_IPS: {exc}") from None
        if app.config.get("OIDC_ISSUER") and not (app.config.get("OIDC_CLIENT_ID") and app.config.get("OIDC_CLIENT_SECRET")):
            raise ConfigError("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set too.")
        if not app.config.get("JOBS_REDIS_URL") and app.config.get("REDIS_URL"):
            app.config["JOBS_REDIS_URL"] = app.config["REDIS_URL"]
        if not app.config.get("MAIL_DIR"):
            app.config["MAIL_DIR"] = str(instance / "mail")
        transport = (app.config.get("MAIL_TRANSPORT") or "").lower()
        if transport not in {"", "smtp", "directory"}:  # the names in app/mail/transports.py
            raise ConfigError(f"MAIL_TRANSPORT must be 'smtp' or 'directory', not {transport!r}.")
        if transport == "smtp" and not app.config.get("MAIL_SERVER"):
            raise ConfigError("MAIL_TRANSPORT=smtp needs MAIL_SERVER.")
        if not app.config.get("SECRET_KEY"):
            if app.config["ENV_NAME"] == "production":
                raise ConfigError("SECRET_KEY must be set in production (APP_ENV=production).")
            app.config["SECRET_KEY"] = _instance_secret(instance)
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("postgres://"):  # the form some hosting platforms hand out
            app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgres://"):]
        elif uri.startswith("postgresql://"):
            app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgresql://"):]


class TestConfig(Config):
    TESTING = True
    REDIS_URL = None  # the tests that want the Redis queue set it themselves (tests/jobs)
    JOBS_REDIS_URL = None
    # the test client never closes a response: its tests run the jobs they need themselves;
    # the tests of real servers (browser journeys, tests/jobs) switch the runner thread on
    JOBS_IN_PROCESS_THREAD = False
    FILE_STORAGE_URL = None  # the tests that want S3 start their own server (tests/s3server.py)
    FILE_DOWNLOAD_REDIRECT = "stream"
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = "1000 per minute"
    PASSWORD_RESET_RATE_LIMIT = "1000 per minute"  # nosec B105 - a rate limit, not a password
    # schemathesis alone sends over 1,000 API requests within a minute; the rate-limit tests set low limits themselves
    VERIFY_RATE_LIMIT = "10000 per minute"
    API_TOKEN_RATE_LIMIT = "10000 per minute"  # nosec B105 - a rate limit, not a token
    API_ADDRESS_RATE_LIMIT = "10000 per minute"
    COURSES_AUTO_RELOAD = False
    ENV_NAME = "test"
    LOG_FORMAT = "text"  # tests/observability switch to json themselves
    SECRET_KEY = "test-secret-key-not-for-production"  # nosec B105 - TestConfig only; production refuses to start without SECRET_KEY
    CERTIFICATE_SIGNING_KEY = "35IG4KLQOlex4sbxQnaA8YYZJZtonCaiqNksekFfeDE="  # tests only
    WTF_CSRF_ENABLED = True
    SERVER_NAME = "campus.test"
    BASE_URL = "http://campus.test"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8 * 1024
    MAIL_SERVER = None
    SESSION_COOKIE_SECURE = False
    # the login cache's own tests (tests/accounts/test_login_cache.py) switch it on: a test that
    # changes rows from another connection would otherwise have to wait for the notification
    LOGIN_CACHE_MAX_LAG_SECONDS = 0.0
