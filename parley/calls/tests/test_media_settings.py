"""Media settings that cannot work are refused when the settings load, naming the variable."""

import importlib.util
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured

import config.settings.base

MEDIA = ("JANUS_URL", "JANUS_API_SECRET", "STUN_URLS", "TURN_URLS", "TURN_SECRET")


def load_settings(monkeypatch, **env: str) -> ModuleType:
    """A fresh copy of config/settings/base.py loaded from `env` (the running settings
    are left alone)."""
    for name in MEDIA:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("fresh_settings", config.settings.base.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_consistent_media_settings_load(monkeypatch):
    loaded = load_settings(
        monkeypatch,
        JANUS_URL="ws://127.0.0.1:8188/",
        JANUS_API_SECRET="s3cret",
        STUN_URLS="stun:turn.example.org:3478",
        TURN_URLS="turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349",
        TURN_SECRET="s3cret",
        TURN_CREDENTIAL_SECONDS="3600",
    )

    assert loaded.TURN_URLS == [
        "turn:turn.example.org:3478?transport=udp",
        "turns:turn.example.org:5349",
    ]
    assert loaded.TURN_CREDENTIAL_SECONDS == 3600
    assert loaded.JANUS_URL == "ws://127.0.0.1:8188/"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TURN_CREDENTIAL_SECONDS": "3601"}, "TURN_CREDENTIAL_SECONDS must be from 60 to 3600"),
        ({"TURN_CREDENTIAL_SECONDS": "0"}, "TURN_CREDENTIAL_SECONDS must be from 60 to 3600"),
        ({"TURN_URLS": "turn:turn.example.org:3478"}, "TURN_URLS is set without TURN_SECRET"),
        ({"JANUS_URL": "ws://127.0.0.1:8188/"}, "JANUS_URL is set without JANUS_API_SECRET"),
    ],
)
def test_media_settings_that_cannot_work_are_refused(monkeypatch, env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        load_settings(monkeypatch, **env)
