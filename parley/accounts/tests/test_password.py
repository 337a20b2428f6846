"""Password change and reset: the old password, one-use expiring links,
strength, the kept session."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from parley.accounts.tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "violet-Lantern-orbit-42-tundra"

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice", email="alice@example.org")


def reset_link(client, email="alice@example.org") -> str:
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", str(mail.outbox[0].body))
    assert match, mail.outbox[0].body
    return match.group(1)


def set_password(client, link: str, password=NEW_PASSWORD):
    form = client.get(link, follow=True)
    return client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


def test_change_password_needs_the_old_one_and_keeps_the_session(client, alice):
    client.force_login(alice)

    wrong = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["old_password"]

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert client.get(reverse("friends")).status_code == 200


def test_reset_link_works_once(client, alice):
    link = reset_link(client)
    assert mail.outbox[0].subject == "Reset your Parley password"

    response = set_password(client, link)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)

    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_reset_link_expires_after_an_hour(client, alice):
    link = reset_link(client)

    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        page = client.get(link, follow=True)

    assert "This link no longer works" in page.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client, alice):
    response = client.post(reverse("password_reset"), {"email": "who@example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_with_a_weak_new_password_is_refused(client, alice):
    link = reset_link(client)

    response = set_password(client, link, password="password1")

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
