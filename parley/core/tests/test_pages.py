"""Pages outside the apps: home, 404, CSRF and bad-origin refusals, and the admin's
coverage of models."""

import pytest
from django.urls import reverse

from parley.accounts.models import Block, FriendRequest, Friendship
from parley.accounts.tests.factories import UserFactory
from parley.messaging.models import Room

pytestmark = pytest.mark.django_db


def test_home_welcomes_visitors_and_sends_members_to_chat(client):
    assert "Create an account" in client.get("/").content.decode()
    client.force_login(UserFactory())
    assert client.get("/")["Location"] == reverse("chat")


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "There is nothing at this address." in response.content.decode()


def test_post_without_csrf_token_is_refused_with_a_message(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(reverse("befriend", args=["alice"]))

    assert response.status_code == 403
    assert "This form expired" in response.content.decode()


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:8000.evil.example",
        "http://testserver:abc",
        "http://testserver:99999",
        "http://[::1",
        "https://chat.example.org:x",
        "null",
    ],
)
@pytest.mark.parametrize("host", ["testserver", "testserver:abc", "evil.example"])
def test_a_post_from_a_malformed_or_foreign_origin_or_host_is_refused_not_a_500(
    settings, alice, origin, host
):
    from django.test import Client

    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000", "https://*.example.org"]
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(alice)
    client.get("/rooms/new/")  # the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(
        "/rooms/new/", {"title": "x", "csrfmiddlewaretoken": token}, HTTP_ORIGIN=origin,
        HTTP_HOST=host,
    )  # fmt: skip

    assert response.status_code in (400, 403)  # a foreign Host is 400, as Django says
    assert not Room.objects.exists()


def test_admin_covers_every_model(admin_client, alice, bob):
    FriendRequest.objects.create(from_user=alice, to_user=bob)
    Friendship.objects.create(user_low=alice, user_high=bob)
    Block.objects.create(blocker=alice, blocked=bob)

    for model in ("user", "friendrequest", "friendship", "block"):
        changelist = admin_client.get(reverse(f"admin:accounts_{model}_changelist"))
        assert changelist.status_code == 200, model
    assert (
        admin_client.get(reverse("admin:accounts_user_change", args=[alice.pk])).status_code == 200
    )
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert admin_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    for model in ("room", "roommember", "roominvite", "conversation", "participant", "message"):
        changelist = admin_client.get(reverse(f"admin:messaging_{model}_changelist"))
        assert changelist.status_code == 200, model
