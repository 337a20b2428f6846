"""signed_in_user, the sign-in of every socket's handshake, decides each case exactly as
Django's auth.get_user decides it for HTTP: each test runs both and expects the same."""

from datetime import timedelta
from importlib import import_module
from typing import Any, cast

import pytest
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from parley.accounts.models import User
from parley.accounts.sessions import signed_in_user
from parley.accounts.tests.factories import UserFactory

BACKEND = "parley.accounts.backends.UsernameOrEmailBackend"


def new_user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


class _Request:
    def __init__(self, session):
        self.session = session


def djangos(session):
    user = auth.get_user(cast(Any, _Request(session)))
    return user if user.is_authenticated else None


@pytest.fixture(params=[signed_in_user, djangos], ids=["parley", "django"])
def sign_in(request):
    return request.param


def session_key(user, backend=BACKEND):
    client = Client()
    client.force_login(user, backend=backend)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def store(key):
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


@pytest.mark.django_db
def test_a_valid_session_signs_in_the_user_with_every_field_as_the_orm_reads_it(sign_in):
    user = new_user(display_name="Ädä \u2603", last_login=timezone.now())
    user = User.objects.get(pk=user.pk)
    found = sign_in(store(session_key(user)))
    assert found == user
    assert model_to_dict(found) == model_to_dict(user)
    assert (found.last_login, found.date_joined, found.is_active) == (
        user.last_login,
        user.date_joined,
        True,
    )
    assert found._state.adding is False and found._state.db == "default"


@pytest.mark.django_db
def test_a_changed_password_ends_the_session_and_flushes_it(sign_in):
    user = new_user()
    key = session_key(user)
    user.set_password("another-Horse-battery-7")
    user.save()
    assert sign_in(store(key)) is None
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_a_new_session_epoch_ends_the_session(sign_in):
    user = new_user()
    key = session_key(user)
    User.objects.filter(pk=user.pk).update(session_epoch=user.session_epoch + 1)
    assert sign_in(store(key)) is None
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_a_hash_made_with_a_fallback_secret_keeps_the_user_under_a_new_key(sign_in, settings):
    user = new_user()
    old_secret = settings.SECRET_KEY
    key = session_key(user)
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    session = store(key)
    # The session's data is signed with the old secret too: re-sign it with the new one.
    data = session.load()
    session = store(None)
    session.update(data)
    session.save()
    key = session.session_key
    session = store(key)
    assert sign_in(session) == user
    assert session.session_key != key
    assert session[HASH_SESSION_KEY] == User.objects.get(pk=user.pk).get_session_auth_hash()


@pytest.mark.django_db
def test_an_inactive_user_is_not_signed_in_and_the_session_stays(sign_in):
    user = new_user()
    key = session_key(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert sign_in(store(key)) is None
    assert Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_a_deleted_user_is_not_signed_in(sign_in):
    user = new_user()
    key = session_key(user)
    user.delete()
    assert sign_in(store(key)) is None


@pytest.mark.django_db
def test_a_backend_no_longer_configured_signs_nobody_in(sign_in, settings):
    user = new_user()
    key = session_key(user)
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert sign_in(store(key)) is None
    assert Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_an_expired_or_unknown_or_malformed_session_signs_nobody_in(sign_in):
    user = new_user()
    key = session_key(user)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    for candidate in (key, "x" * 32, "short", None):
        session = store(candidate)
        assert sign_in(session) is None
        assert session.session_key is None


@pytest.mark.django_db
def test_a_session_without_a_hash_is_flushed(sign_in):
    user = new_user()
    key = session_key(user)
    session = store(key)
    del session[HASH_SESSION_KEY]
    session.save()
    assert sign_in(store(key)) is None
    assert not Session.objects.filter(session_key=key).exists()
