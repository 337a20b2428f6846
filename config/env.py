"""Which settings module to load (chosen by PARLEY_ENV, read once at process start), and the
local secret key of non-production settings. Imports nothing of Django's."""

import base64
import os
import secrets
from pathlib import Path

_MODULES = {
    "development": "config.settings.development",
    "production": "config.settings.production",
    "test": "config.settings.test",
}


def use_settings_from_environment() -> None:
    """Point DJANGO_SETTINGS_MODULE at the module for PARLEY_ENV unless it is already set."""
    env = os.environ.get("PARLEY_ENV", "development")
    if env not in _MODULES:
        raise SystemExit(f"PARLEY_ENV must be one of {', '.join(_MODULES)}; got {env!r}.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", _MODULES[env])


def local_secret_key(directory: Path) -> str:
    """A secret key generated once into `directory`/secret_key (owner-only) and read back
    on every later start, for laptops and the benchmark; never for production."""
    path = directory / "secret_key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def local_vapid_key(directory: Path) -> str:
    """A VAPID private key (P-256, base64url of its 32 bytes) generated once into
    `directory`/vapid_private_key (owner-only) and read back on every later start, like
    local_secret_key: browsers' push subscriptions are bound to its public key."""
    path = directory / "vapid_private_key"
    if not path.exists():
        from cryptography.hazmat.primitives.asymmetric import ec

        directory.mkdir(parents=True, exist_ok=True)
        number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
        path.write_text(base64.urlsafe_b64encode(number.to_bytes(32, "big")).decode().rstrip("="))
        path.chmod(0o600)
    return path.read_text().strip()
