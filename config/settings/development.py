"""Laptop settings: DEBUG on, a secret key generated once into var/secret_key."""

from config.env import local_secret_key, local_vapid_key

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="") or local_secret_key(VAR_DIR)
# Web Push: the VAPID key generated once beside the secret key; http endpoints allowed.
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="") or local_vapid_key(VAR_DIR)
PUSH_ENDPOINT_SCHEMES = ["https", "http"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
WEBSOCKET_ALLOWED_ORIGINS = env.list(
    "WEBSOCKET_ALLOWED_ORIGINS",
    default=["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"],
)
# Serve static files straight from the app folders, so a change shows without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
