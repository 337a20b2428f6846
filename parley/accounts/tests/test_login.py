"""Sign-in and out: username or email in any case, one answer for every
failure, sessions, and lockouts."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parley.accounts.tests.factories import PASSWORD, UserFactory

BAD_LOGIN = "That username or email and password do not match an account."
LOCKED = "Too many failed attempts to log in."


def login(client, username, password=PASSWORD, ip="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def is_signed_in(client) -> bool:
    return client.get(reverse("friends")).status_code == 200


@pytest.fixture
def alice(db):
    return UserFactory(username="Alice", email="alice@example.org")


@pytest.mark.parametrize(
    "typed", ["Alice", "alice", "ALICE", "alice@example.org", "ALICE@Example.org"]
)
def test_login_with_username_or_email_in_any_case(client, alice, typed):
    response = login(client, typed)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_unknown_user_and_wrong_password_get_the_same_answer(client, alice):
    wrong_password = login(client, "alice", "not-the-password")
    unknown_user = login(client, "nobody", "not-the-password")

    assert wrong_password.status_code == unknown_user.status_code == 400
    for response in (wrong_password, unknown_user):
        assert response.context["form"].non_field_errors() == [BAD_LOGIN]
    assert not is_signed_in(client)


def test_session_key_changes_at_login_and_cookie_is_httponly_lax(client, alice):
    anonymous = client.session  # an anonymous session, saved, with its cookie set
    anonymous["cart"] = "kept across login"
    anonymous.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before == anonymous.session_key

    login(client, "alice")

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value != before  # a fixation attacker's key is worthless after login
    assert client.session["cart"] == "kept across login"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_logout_is_a_post_and_ends_the_session(client, alice):
    login(client, "alice")

    assert client.get(reverse("logout")).status_code == 405
    assert is_signed_in(client)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not is_signed_in(client)


def test_inactive_user_cannot_log_in(client, alice):
    alice.is_active = False
    alice.save()

    assert login(client, "alice").status_code == 400
    assert not is_signed_in(client)


@pytest.mark.django_db
def test_five_failures_lock_the_account_then_cool_off_lets_the_right_password_in(client, alice):
    for _ in range(4):
        assert login(client, "alice", "wrong-guess").status_code == 400
    fifth = login(client, "alice", "wrong-guess")
    assert fifth.status_code == 429
    assert fifth["Retry-After"] == str(30 * 60)  # the cool-off, restarted by this failure

    locked = login(client, "alice")  # the right password, from a fresh address too
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(30 * 60)
    assert LOCKED in locked.content.decode()
    assert "30 minutes" in locked.content.decode()
    assert login(Client(), "alice", ip="198.51.100.1").status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = login(client, "alice")
        assert response.status_code == 302
        assert is_signed_in(client)


@pytest.mark.django_db
def test_failures_typed_as_email_or_other_case_count_against_the_same_account(client, alice):
    for typed in ("alice", "ALICE", "alice@example.org", "Alice@example.org", "Alice"):
        login(client, typed, "wrong-guess", ip=f"198.51.100.{len(typed)}")

    assert login(client, "alice", ip="192.0.2.99").status_code == 429


@pytest.mark.django_db
def test_five_failures_from_one_address_lock_that_address(client, alice):
    for n in range(5):
        login(client, f"guess{n}", "wrong-guess", ip="203.0.113.50")

    assert login(client, "alice", ip="203.0.113.50").status_code == 429
    assert login(client, "alice", ip="203.0.113.51").status_code == 302


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, alice):
    for _ in range(4):
        login(client, "alice", "wrong-guess")
    assert login(client, "alice").status_code == 302
    client.post(reverse("logout"))

    for _ in range(4):
        login(client, "alice", "wrong-guess")
    assert login(client, "alice").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_are_all_counted(alice):
    """Eight guesses at once must not slip past the limit of five through lost updates."""
    start = threading.Barrier(8)
    statuses: list[int] = []

    def guess(n: int) -> None:
        start.wait()
        try:
            statuses.append(
                login(Client(), "alice", f"wrong-{n}", ip=f"198.51.100.{n}").status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 8
    assert all(status in (400, 429) for status in statuses)
    assert login(Client(), "alice", ip="192.0.2.1").status_code == 429


def test_login_page_renders_for_anonymous_and_redirects_signed_in(client, alice):
    assert client.get(reverse("login")).status_code == 200
    login(client, "alice")
    assert client.get(reverse("login")).status_code == 302
