"""Which settings module to load: chosen by PARLEY_ENV, read once at process start."""

import os

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
