"""Settings shared by every environment, all read from the environment.

Overrides live in development.py, test.py and production.py; each is small.
See the configuration table in README.md for every variable.
"""

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

# Django's generic classes subscriptable at run time (ModelAdmin[Room]), as typed.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "parley.core",
    "parley.accounts",
    "parley.messaging",
    "parley.broadcasts",
    "parley.files",
    "parley.realtime",
    "parley.search",
    "parley.api",
    "parley.integrations",
    "parley.calls",
    "parley.notifications",
    "parley.push",
    "ninja",  # the API's documentation page (Swagger UI) from Parley's own static files
    # Before django_tasks_db: its db_worker command is parley.jobs' (docs/jobs.md).
    "parley.jobs",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session: a NUL in a cookie, path, query or form never reaches a query.
    "parley.core.middleware.TextInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "parley.accounts.sessions.SessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "parley.core.middleware.ParleyErrorMiddleware",
    "parley.api.middleware.RateLimitHeadersMiddleware",
    # Axes must come last so that it sees every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parley.accounts.context_processors.friend_requests",
                "parley.accounts.context_processors.appearance",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so concurrent
        # writers queue on busy_timeout instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Keep connections between requests: opening one costs CPU on PostgreSQL, and on SQLite
# re-running the PRAGMAs per message costs throughput (bench/README.md).
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
_db["CONN_HEALTH_CHECKS"] = True
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding lets psycopg prepare a statement the connection has run
    # DATABASE_PREPARE_THRESHOLD times: PostgreSQL then skips parsing and planning it,
    # which was most of its CPU per socket connect (bench/README.md, session 10). Behind
    # PgBouncer in transaction mode, use 1.21+ with max_prepared_statements, or set 0.
    _prepare = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    _db.setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=_prepare if _prepare > 0 else None
    )
if _db["ENGINE"] == "django.db.backends.mysql":
    _db["OPTIONS"] = {
        "charset": "utf8mb4",
        "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
        "isolation_level": "read committed",
    }
    _db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    # MariaDB has no unique indexes on expressions; its case-insensitive collation makes
    # the plain unique username and email columns case-insensitive instead.
    SILENCED_SYSTEM_CHECKS = ["models.W044"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ---------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_PREFIX = env.str("REDIS_PREFIX", default="parley")
# Every Redis call gives up after this long (connect and reply), so a frozen Redis never
# hangs a send; Parley then falls back to the process (parley/core/resilience.py).
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=1.0)
if REDIS_URL:
    # Pub/sub: one PUBLISH per event, received once per process and fanned out to that
    # process's sockets in memory; the publishes that gather are pipelined. At-most-once,
    # like every layer: clients resume by seq.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "parley.realtime.layers.RedisPubSubLayer",
            # No read timeout: the subscription's reads wait for messages. Publishes and
            # subscribes are bounded by REDIS_TIMEOUT_SECONDS in parley/realtime.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_connect_timeout": REDIS_TIMEOUT_SECONDS}],
                "prefix": f"{REDIS_PREFIX}:",
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "parley.realtime.layers.InMemoryLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background jobs (docs/jobs.md) ----------------------------------------
# Django's Tasks API (the django-tasks backport) with its jobs in the database, run by
# `manage.py db_worker` (parley/jobs adds retries, backoff and lost-worker recovery).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Attempts of a failing job, its first retry's delay (doubled at each retry) and the
# longest delay; a job may set its own (parley.jobs.job).
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=10)
JOBS_RETRY_SECONDS = env.float("JOBS_RETRY_SECONDS", default=10.0)
JOBS_RETRY_MAX_SECONDS = env.float("JOBS_RETRY_MAX_SECONDS", default=3600.0)
# Each worker says it is alive this often; a running job whose worker has not for
# JOBS_LEASE_SECONDS runs again (a worker killed, or its machine gone).
JOBS_HEARTBEAT_SECONDS = env.float("JOBS_HEARTBEAT_SECONDS", default=5.0)
JOBS_LEASE_SECONDS = env.float("JOBS_LEASE_SECONDS", default=30.0)
# Retention (docs/jobs.md#retention): finished jobs' rows are deleted this many days after
# they finished (failed ones kept longer, to read their traceback), and integrations'
# delivery logs this many days after the delivery; by a job the workers enqueue at most
# once per JOBS_PRUNE_INTERVAL_SECONDS. Bounds are checked at start (parley.jobs.apps).
JOBS_KEEP_SUCCEEDED_DAYS = env.int("JOBS_KEEP_SUCCEEDED_DAYS", default=7)
JOBS_KEEP_FAILED_DAYS = env.int("JOBS_KEEP_FAILED_DAYS", default=30)
JOBS_PRUNE_INTERVAL_SECONDS = env.int("JOBS_PRUNE_INTERVAL_SECONDS", default=3600)
INTEGRATIONS_KEEP_DELIVERIES_DAYS = env.int("INTEGRATIONS_KEEP_DELIVERIES_DAYS", default=14)

# --- Outgoing webhooks (docs/integrations.md) ------------------------------
# Where people open Parley (scheme, host, port): the links in what Parley sends out.
PUBLIC_URL = env.str("PUBLIC_URL", default="http://localhost:8000")
# How often the missed-message email's scan looks for new messages (docs/notifications.md).
NOTIFICATIONS_SCAN_SECONDS = env.float("NOTIFICATIONS_SCAN_SECONDS", default=15.0)
# Seconds a bot's endpoint has to connect and answer before the attempt fails (retried).
OUTGOING_WEBHOOK_TIMEOUT_SECONDS = env.float("OUTGOING_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Networks a bot's endpoint may be in besides public addresses (e.g. "10.1.2.0/24" for a
# bot on the same private network). Empty: loopback, private, link-local, metadata and
# other non-public addresses are all refused.
OUTGOING_WEBHOOK_ALLOWED_NETWORKS: list[str] = env.list(
    "OUTGOING_WEBHOOK_ALLOWED_NETWORKS", default=[]
)

# --- Web Push (docs/notifications.md, "Push and desktop") -------------------
# The server's VAPID key pair (RFC 8292): the private key as base64url of its 32 bytes (or
# PEM/DER), the public key as base64url of the uncompressed point, which browsers pin when
# they subscribe. Unset in development: generated once into var/vapid_private_key.
# Unset in production: Web Push is off (desktop notifications still work).
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
# Who push services contact about Parley's pushes: a mailto: or https: URL.
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="")
# Endpoint schemes a subscription may have: push services are https; development and
# tests allow http too (a push service stub on loopback).
PUSH_ENDPOINT_SCHEMES: list[str] = ["https"]
# Seconds a push service keeps a push for a browser that is offline.
PUSH_TTL_SECONDS = env.int("PUSH_TTL_SECONDS", default=60 * 60 * 24)
# Seconds between two looks for new messages to push (parley/push/scan.py); a message is
# pushed within this plus 5 s of its sending.
PUSH_SCAN_SECONDS = env.float("PUSH_SCAN_SECONDS", default=2.0)
# Seconds a push service has to answer one push before the attempt fails (retried).
PUSH_TIMEOUT_SECONDS = env.float("PUSH_TIMEOUT_SECONDS", default=10.0)
# --- Calls: media servers (docs/calls.md) ---------------------------------
# Janus's WebSocket API (its VideoRoom plugin is the SFU of calls larger than the mesh),
# on loopback beside Parley, e.g. ws://127.0.0.1:8188/. Empty: no SFU.
JANUS_URL = env.str("JANUS_URL", default="")
# The api_secret of Janus's janus.jcfg (and admin_key of its VideoRoom): only Parley has it.
JANUS_API_SECRET = env.str("JANUS_API_SECRET", default="")
# Seconds any one request to Janus may take before it fails (parley.calls.janus).
JANUS_TIMEOUT_SECONDS = env.float("JANUS_TIMEOUT_SECONDS", default=10.0)
if JANUS_URL and not JANUS_API_SECRET:
    raise ImproperlyConfigured("JANUS_URL is set without JANUS_API_SECRET (docs/calls.md)")
# ICE servers given to callers: STUN URLs as they are; TURN URLs with credentials minted
# per user from TURN_SECRET (coturn's use-auth-secret), valid TURN_CREDENTIAL_SECONDS.
STUN_URLS: list[str] = env.list("STUN_URLS", default=[])
TURN_URLS: list[str] = env.list("TURN_URLS", default=[])
TURN_SECRET = env.str("TURN_SECRET", default="")
TURN_CREDENTIAL_SECONDS = env.int("TURN_CREDENTIAL_SECONDS", default=3600)
if TURN_URLS and not TURN_SECRET:
    raise ImproperlyConfigured("TURN_URLS is set without TURN_SECRET (docs/calls.md)")
if not 60 <= TURN_CREDENTIAL_SECONDS <= 3600:
    raise ImproperlyConfigured("TURN_CREDENTIAL_SECONDS must be from 60 to 3600 (an hour)")

# --- Real-time ------------------------------------------------------------
# Origins allowed to open the WebSocket, scheme and port included (Channels' OriginValidator).
# Defaults to CSRF_TRUSTED_ORIGINS; development adds the local server's own origins.
WEBSOCKET_ALLOWED_ORIGINS: list[str] = env.list(
    "WEBSOCKET_ALLOWED_ORIGINS", default=CSRF_TRUSTED_ORIGINS
)
WEBSOCKET_MAX_FRAME_BYTES = 64 * 1024
# Every this many seconds (and at once when Redis or the database is back) each process
# checks its sockets against the database's latest seqs and fills what they missed.
REALTIME_RESYNC_SECONDS = env.float("REALTIME_RESYNC_SECONDS", default=10.0)
WEBSOCKET_MAX_JSON_DEPTH = 8
WEBSOCKET_HEARTBEAT_SECONDS = 25
# A closed socket's presence lingers this long: a reload or a reconnect within it shows
# nobody offline and back (parley/realtime/presence.py).
PRESENCE_LINGER_SECONDS = env.float("PRESENCE_LINGER_SECONDS", default=15.0)
# Sends per user: a sustained rate and a burst (token bucket), across all their sockets.
SEND_RATE_PER_SECOND = env.float("SEND_RATE_PER_SECOND", default=5.0)
SEND_RATE_BURST = env.int("SEND_RATE_BURST", default=20)


def _rate_limits(overrides: str) -> dict[str, tuple[float, int]]:
    """Every rate limit but the send's as (per second, burst): a token bucket per user
    (per address for connect_ip), shared by all processes through Redis. RATE_LIMITS
    overrides any of them: "edit=1/10,react=2/20" (README, "Limits")."""
    limits: dict[str, tuple[float, int]] = {
        "edit": (1.0, 10),
        "delete": (1.0, 10),
        "react": (2.0, 20),
        "move": (1.0, 10),
        "read": (10.0, 50),
        "typing": (1.0, 5),
        "history": (5.0, 30),
        "search": (1.0, 10),
        "preview": (2.0, 20),
        "upload": (1.0, 30),  # attachments uploaded (parley/files)
        "room": (0.2, 10),  # create, edit, join, leave, archive, members, chats
        "invite": (0.5, 20),
        "friend": (0.2, 10),  # friend requests, blocks and their answers
        "profile": (0.2, 10),  # profile and photo changes
        "token": (0.2, 10),  # API tokens created and revoked
        "bot": (0.2, 10),  # bots made, deactivated and reactivated
        "broadcast": (0.1, 5),  # broadcasts (one message to many people and rooms)
        "notification": (1.0, 20),  # notification settings and levels; unsubscribe per address
        "push": (0.2, 10),  # Web Push subscriptions added and removed
        "api": (20.0, 200),  # REST API requests per user (tokens and session together)
        "api_token": (10.0, 100),  # REST API requests per token
        "autocomplete": (10.0, 50),  # mention autocomplete (members matching a prefix)
        "account": (0.1, 5),  # sign-ups and password-reset emails, per client address
        "connect_ip": (10.0, 100),  # new WebSockets per client address
        "call": (1.0, 10),  # call.start, call.join, call.decline, call.leave per user
        "call_signal": (2.0, 20),  # call.offer and call.answer per socket
        "call_candidate": (20.0, 100),  # call.candidate per socket
    }
    for item in filter(None, (part.strip() for part in overrides.split(","))):
        name, _, value = item.partition("=")
        rate, _, burst = value.partition("/")
        if name.strip() not in limits:
            known = ", ".join(sorted(limits))
            raise ImproperlyConfigured(f"RATE_LIMITS: no limit is called {name!r} ({known})")
        limits[name.strip()] = (float(rate), int(burst))
    return limits


RATE_LIMITS = _rate_limits(env.str("RATE_LIMITS", default=""))
# The most one broadcast may reach: people (named, and from its shortcuts together), and
# rooms (chats to post in, and rooms whose members are named by the shortcut).
BROADCAST_MAX_PEOPLE = env.int("BROADCAST_MAX_PEOPLE", default=1000)
BROADCAST_MAX_ROOMS = env.int("BROADCAST_MAX_ROOMS", default=100)
# Open sockets per user (tabs, devices); one more is refused with close code 4409.
WEBSOCKET_MAX_SOCKETS_PER_USER = env.int("WEBSOCKET_MAX_SOCKETS_PER_USER", default=20)
# Sockets of one process between handshake and hello at once, and closing sockets being
# cleaned up at once; the others wait their turn (handshakes unanswered), so that a
# reconnect storm or a mass close cannot starve the event loop that delivers to the sockets
# already open (parley/realtime/gates.py). The sockets let through share their reads and
# Redis round trips (parley/core/coalesce.py): more at once, larger batches
# (bench/README.md, "Reconnect storms (session 10)").
WEBSOCKET_CONNECTS_AT_ONCE = env.int("WEBSOCKET_CONNECTS_AT_ONCE", default=128)
# Refused frames (malformed, unknown, over a limit) a socket may send in
# WEBSOCKET_BAD_FRAMES_WINDOW seconds before it is closed with 1008.
WEBSOCKET_MAX_BAD_FRAMES = env.int("WEBSOCKET_MAX_BAD_FRAMES", default=20)
WEBSOCKET_BAD_FRAMES_WINDOW = 60.0
# What one socket may owe a client that reads too slowly: past either, typing and
# presence are dropped; past twice either, the socket is closed with 4408 (it resumes).
WEBSOCKET_QUEUE_MAX_MESSAGES = env.int("WEBSOCKET_QUEUE_MAX_MESSAGES", default=1000)
WEBSOCKET_QUEUE_MAX_BYTES = env.int("WEBSOCKET_QUEUE_MAX_BYTES", default=1024 * 1024)
# Seconds a socket the server closes may take to read what it was owed (and the close
# frame) before its connection is cut.
WEBSOCKET_CLOSE_GRACE_SECONDS = env.float("WEBSOCKET_CLOSE_GRACE_SECONDS", default=5.0)
# Threads for edits, deletes, reactions and moves (sends have one thread of their own,
# which stores them a batch at a time: parley/realtime/sending.py). Few on purpose: past
# them, changes queue (and each socket stops being read until its frame is done) instead
# of starving the event loop that delivers; each also holds a database connection.
SEND_THREADS = env.int("SEND_THREADS", default=2)
# Threads for the sockets' reads (sign-in, hello, resume, history, gap fills): each
# holds a database connection; a reconnect storm is served this many at a time.
READ_THREADS = env.int("READ_THREADS", default=4)
# Resume replays at most this many messages per conversation; beyond it the client pages.
RESUME_MAX_MESSAGES = 500
MESSAGE_MAX_CHARS = 10_000

# --- HTTP -----------------------------------------------------------------
# Request bodies (parley/core/asgi_limits.py): a larger declared or received body is
# refused with 413; a body not received within the timeout (trickling, or shorter than
# its Content-Length) with 408. Avatars are up to 5 MB, hence 6 MiB.
HTTP_MAX_BODY_BYTES = env.int("HTTP_MAX_BODY_BYTES", default=6 * 1024 * 1024)
HTTP_BODY_TIMEOUT_SECONDS = env.float("HTTP_BODY_TIMEOUT_SECONDS", default=30.0)
# JSON bodies of the API (parley.core.http.json_body).
API_MAX_JSON_BYTES = 256 * 1024
API_MAX_JSON_DEPTH = 16
# A webhook's JSON (a GitHub delivery): GitHub's pushes carry up to 20 commits with their
# files, so more than an API body; as much as Django reads into memory (2.5 MB).
WEBHOOK_MAX_JSON_BYTES = 2_621_440
# Retry-After of the 503 answered while the database is unreachable.
UNAVAILABLE_RETRY_AFTER_SECONDS = 5

# --- Accounts and authentication ------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "parley.accounts.backends.UsernameOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "parley.accounts.passwords.ZxcvbnValidator", "OPTIONS": {"min_score": 3}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)

# Login throttling (django-axes): 5 failures within 30 minutes lock the username
# and, separately, the client IP for the cool-off period.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "parley.accounts.throttling.login_key"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "parley.accounts.throttling.locked_out"  # 429 with Retry-After
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# Reverse proxies in front of Parley that append to X-Forwarded-For: every per-address
# limit, login throttling included, keys on the client's address (parley/core/addresses.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "parley.core.addresses.request_address"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_SAMESITE = "Lax"

# --- Uploads --------------------------------------------------------------
AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_SIZES = (256, 64)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# S3-compatible object storage for uploads instead of MEDIA_ROOT (docs/files.md): needs
# `pip install 'django-storages[s3]'`; credentials as boto3 reads them (AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, or the machine's role).
if env.str("S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            "default_acl": "private",  # every download goes through Parley's check
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Message attachments (parley/files, docs/files.md). Each file is one upload request:
# its body may be FILES_MAX_BYTES plus the multipart envelope (parley/core/asgi_limits.py),
# and has FILES_UPLOAD_TIMEOUT_SECONDS to arrive.
FILES_MAX_BYTES = env.int("FILES_MAX_BYTES", default=25 * 1024 * 1024)
FILES_MAX_PER_MESSAGE = env.int("FILES_MAX_PER_MESSAGE", default=10)
FILES_UPLOAD_TIMEOUT_SECONDS = env.float("FILES_UPLOAD_TIMEOUT_SECONDS", default=300.0)
FILES_MAX_NAME_CHARS = 200
FILES_MAX_PIXELS = 50_000_000
FILES_THUMBNAIL_SIZE = 400  # the longer side, in pixels
# An upload no message references after this long is deleted (parley/files/jobs.py).
FILES_ORPHAN_SECONDS = env.int("FILES_ORPHAN_SECONDS", default=24 * 60 * 60)
# Empty: Parley sends the file itself. Set (e.g. "/protected-files/"): Parley checks access,
# then answers with X-Accel-Redirect to this prefix + the stored name for nginx to send.
FILES_ACCEL_REDIRECT_PREFIX = env.str("FILES_ACCEL_REDIRECT_PREFIX", default="")
# Each multipart file is counted as it arrives and refused past FILES_MAX_BYTES.
FILE_UPLOAD_HANDLERS = [
    "parley.files.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Email ----------------------------------------------------------------
# EMAIL_URL: smtp://user:password@host:587/?tls=True, or consolemail:// (the default).
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Parley <parley@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers (production.py turns on the HTTPS-only ones) -------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # Logs a failed receive every second while Redis is away: once a minute is plenty.
        "channels_redis.pubsub": {"filters": ["once_a_minute"]},
    },
    "filters": {"once_a_minute": {"()": "parley.core.resilience.OncePerInterval"}},
}
CSRF_FAILURE_VIEW = "parley.core.views.csrf_failure"

# --- calls (docs/calls.md) -----------------------------------------------------------
# How long a call rings before it counts as missed.
CALL_RING_SECONDS = env.float("CALL_RING_SECONDS", default=45.0)
# A participant whose socket is gone (closed, or no ping) for this long leaves the call;
# one that reconnects and joins again within it stays in.
CALL_GRACE_SECONDS = env.float("CALL_GRACE_SECONDS", default=15.0)
# How often a socket in a call pings (told in call.session).
CALL_HEARTBEAT_SECONDS = env.int("CALL_HEARTBEAT_SECONDS", default=5)
# Mesh cap: every participant sends to every other, so uplinks limit a mesh.
CALL_MESH_MAX_VIDEO = env.int("CALL_MESH_MAX_VIDEO", default=4)
CALL_MESH_MAX_VOICE = env.int("CALL_MESH_MAX_VOICE", default=8)
CALL_SDP_MAX_CHARS = env.int("CALL_SDP_MAX_CHARS", default=32768)

# WhiteNoise and FileResponse hand Django synchronous file iterators; under ASGI Django
# reads them in a thread and warns each time. The files are small; the warning is noise.
warnings.filterwarnings(
    "ignore",
    message="StreamingHttpResponse must consume synchronous iterators",
    category=Warning,
)
