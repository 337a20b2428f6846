"""Which settings module to load (chosen by PARLEY_ENV, read once at process start), and the
local secret key of non-production settings. Imports nothing of Django's."""

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
