"""Settings for the benchmark server and the seeding step: production, loopback-friendly.

Everything that matters to the hot path (DEBUG off, the database and channel layer from
DATABASE_URL / REDIS_URL, CONN_MAX_AGE, middleware) is production's. What differs:

- password hashes are MD5, as in the test settings: PBKDF2 at Django's 1,000,000
  iterations costs ~0.5 s of CPU per login on this machine, so logging in 2,000 users
  would take the single server core ~17 minutes before the first message;
- static files use the plain storage (production's manifest needs collectstatic);
- the HTTPS redirect is off through SECURE_SSL_REDIRECT=false in the environment.
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.production import *  # noqa: F403
from config.settings.production import STORAGES, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Experiments -------------------------------------------------------------------------
# BENCH_EXPERIMENTS=name,name (bench.run --experiment NAME) measures a proposed change to
# Parley without editing Parley: each name overrides one thing, the way a proposal in
# bench/README.md would change the code. The earlier ones have landed in Parley: the
# plain-SQL send ("lean-send"), persistent SQLite connections ("sqlite-persistent") and
# parley.realtime.layers.InMemoryLayer ("fast-layer"). None is defined now.
EXPERIMENTS = {name for name in env.list("BENCH_EXPERIMENTS", default=[]) if name}
KNOWN_EXPERIMENTS: set[str] = set()
if EXPERIMENTS - KNOWN_EXPERIMENTS:
    raise ImproperlyConfigured(f"Unknown BENCH_EXPERIMENTS: {EXPERIMENTS - KNOWN_EXPERIMENTS}")
