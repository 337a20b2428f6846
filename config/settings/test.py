"""Test settings: the same code paths as production, with fast hashing and local email."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
WEBSOCKET_ALLOWED_ORIGINS = ["http://testserver", "http://localhost", "http://127.0.0.1"]
# A fixed VAPID key (base64url of its 32 bytes); push endpoints on loopback stubs (http).
VAPID_PRIVATE_KEY = "PmWsBHiz8Zxm9lqcUoyhs0ycfIK0T3WTWCLZGCS7GFg"
VAPID_PUBLIC_KEY = ""
VAPID_SUBJECT = "mailto:admin@example.org"
PUSH_ENDPOINT_SCHEMES = ["https", "http"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="WARNING")  # noqa: F405
LOGGING["loggers"]["axes"]["level"] = "ERROR"  # noqa: F405

VAR_DIR.mkdir(exist_ok=True)

_db = DATABASES["default"]  # noqa: F405
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared-cache memory: the same WAL locking as a real deployment, so
    # tests with concurrent requests wait for the lock instead of failing.
    # One file per test process, so that parallel runs never share it.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    # One database per test process on a shared server, for the same reason.
    _db["TEST"] = {**_db.get("TEST", {}), "NAME": f"test_{_db['NAME']}_{os.getpid()}"}
# Threads that serve sockets would otherwise keep their connections open past the end
# of the run, and PostgreSQL refuses to drop a test database that is still in use.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
