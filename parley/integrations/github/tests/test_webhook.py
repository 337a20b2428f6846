"""GitHub's webhook as GitHub and a room's admin see it: real captured deliveries are
verified, stored once, answered at once, and posted by a job as the link's bot."""

import hashlib
import hmac
from typing import Any

import pytest
from django.test import Client

from parley.core.testing.jobs import run_due_jobs
from parley.integrations.github import format_event
from parley.integrations.github.actions import check_create_github_link
from parley.integrations.github.formatter import SUPPORTED_EVENTS
from parley.integrations.github.tests.fixtures import delivery, names
from parley.integrations.models import GitHubDelivery, GitHubLink
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(alice):
    return check_create_room(alice, title="Dev")


@pytest.fixture
def chat(room):
    return room.chats.get(is_default=True)


@pytest.fixture
def link(alice, room, chat) -> GitHubLink:
    return check_create_github_link(
        alice,
        room,
        repository="Codertocat/Hello-World",
        chat_ids=[chat.pk],
        events=list(SUPPORTED_EVENTS),
        include_successes=True,
    )


def post(link: GitHubLink, name: str, *, secret: str | None = None, **changes: Any) -> Any:
    """Deliver fixture `name` as GitHub would, signed with the link's secret."""
    captured = delivery(name)
    body = captured.body
    signature = hmac.new((secret or link.secret()).encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "X-GitHub-Event": captured.event,
        "X-GitHub-Delivery": captured.headers["X-GitHub-Delivery"],
        "X-Hub-Signature-256": f"sha256={signature}",
        "User-Agent": captured.headers.get("User-Agent", "GitHub-Hookshot/0"),
        **changes,
    }
    return Client(headers={k: v for k, v in headers.items() if v is not None}).post(
        f"/integrations/github/{link.key}/", body, content_type="application/json"
    )


def posted(chat) -> list[Message]:
    return list(Message.objects.filter(conversation=chat).order_by("seq"))


def test_every_captured_delivery_posts_its_message_once_as_the_bot(settings, link, chat):
    settings.SEND_RATE_BURST = 100  # a burst of 39 deliveries (a bot is limited like anyone)
    expected = []
    for name in names():
        response = post(link, name)
        assert response.status_code in (200, 202), (name, response.content)
        captured = delivery(name)
        formatted = format_event(captured.event, captured.payload, include_successes=True)
        if formatted is not None and response.json()["status"] == "queued":
            expected.append(formatted.body)

    assert posted(chat) == []  # answered first; the job posts
    run_due_jobs()

    messages = posted(chat)
    assert sorted(m.body for m in messages) == sorted(expected)
    assert {m.sender_id for m in messages} == {link.bot_id}
    assert link.bot.is_bot and link.bot.bot_owner is not None
    assert not GitHubDelivery.objects.filter(status=GitHubDelivery.Status.QUEUED).exists()


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=" + "0" * 64, "sha1=" + "0" * 40, "sha256=", "garbage"],
)
def test_a_delivery_without_the_right_signature_is_401_and_stores_nothing(link, chat, signature):
    response = post(link, "ping", **{"X-Hub-Signature-256": signature})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert not GitHubDelivery.objects.exists()


def test_a_delivery_signed_with_another_secret_is_refused(link):
    assert post(link, "ping", secret="not the secret").status_code == 401


def test_a_repeated_delivery_id_posts_nothing_new(link, chat):
    first = post(link, "issues__opened")
    again = post(link, "issues__opened")
    run_due_jobs()

    assert first.status_code == 202 and first.json() == {"status": "queued"}
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert len(posted(chat)) == 1


def test_events_the_link_did_not_ask_for_are_recorded_and_post_nothing(alice, room, chat):
    link = check_create_github_link(
        alice, room, repository="Codertocat/Hello-World", chat_ids=[chat.pk], events=["issues"]
    )

    response = post(link, "star__created")
    run_due_jobs()

    assert response.json() == {"status": "ignored"}
    assert posted(chat) == []
    assert GitHubDelivery.objects.get().status == GitHubDelivery.Status.IGNORED


def test_a_new_secret_refuses_the_old_one(link, alice, room):
    old = link.secret()
    client = Client()
    client.force_login(alice)

    page = client.post(f"/rooms/{room.slug}/settings/github/{link.pk}/secret/")

    link.refresh_from_db()
    assert page.status_code == 200 and link.secret() in page.content.decode()
    assert post(link, "ping", secret=old).status_code == 401
    assert post(link, "ping").status_code == 202


def test_an_unknown_webhook_address_is_404(link):
    response = Client().post("/integrations/github/nope/", b"{}", content_type="application/json")
    assert response.status_code == 404


def test_missing_event_headers_are_400(link):
    assert post(link, "ping", **{"X-GitHub-Event": None}).status_code == 400
    assert post(link, "ping", **{"X-GitHub-Delivery": None}).status_code == 400


def test_payload_nulls_where_text_is_expected_never_fail(link, chat):
    captured = delivery("pull_request__opened")
    body = captured.body.replace(
        b'"title": "Update the README with new information."', b'"title": null'
    )
    body = body.replace(b'"login": "Codertocat"', b'"login": null')
    signature = hmac.new(link.secret().encode(), body, hashlib.sha256).hexdigest()
    client = Client(
        headers={
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": "nulls-1",
            "X-Hub-Signature-256": f"sha256={signature}",
        }
    )

    response = client.post(
        f"/integrations/github/{link.key}/", body, content_type="application/json"
    )
    run_due_jobs()

    assert response.status_code == 202
    assert GitHubDelivery.objects.get().status == GitHubDelivery.Status.POSTED
    assert len(posted(chat)) == 1


def test_titles_stay_text_in_the_chat(link, chat):
    captured = delivery("issues__opened")
    body = captured.body.replace(
        b'"title": "Spelling error in the README file"',
        b'"title": "<script>alert(1)</script> @alice **bold**"',
    )
    signature = hmac.new(link.secret().encode(), body, hashlib.sha256).hexdigest()
    Client(
        headers={
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": "xss-1",
            "X-Hub-Signature-256": f"sha256={signature}",
        }
    ).post(f"/integrations/github/{link.key}/", body, content_type="application/json")
    run_due_jobs()

    [message] = posted(chat)
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert "<strong>bold</strong>" not in message.html
    assert 'class="mention"' not in message.html


def test_only_the_room_s_managers_see_the_set_up_pages(link, room, bob, carol):
    check_join_room(bob, room)
    member, outsider = Client(), Client()
    member.force_login(bob)
    outsider.force_login(carol)

    for client in (member, outsider):
        for url in (
            f"/rooms/{room.slug}/settings/github/",
            f"/rooms/{room.slug}/settings/github/{link.pk}/",
        ):
            assert client.get(url).status_code in (403, 404)
        assert client.post(f"/rooms/{room.slug}/settings/github/{link.pk}/secret/").status_code in (
            403,
            404,
        )


def test_an_admin_links_a_repository_and_sees_the_secret_once(alice, room, chat):
    client = Client()
    client.force_login(alice)

    created = client.post(
        f"/rooms/{room.slug}/settings/github/",
        {"repository": "octo-org/octo-repo", "chats": [chat.pk], "events": ["push", "issues"]},
    )

    link = GitHubLink.objects.get()
    text = created.content.decode()
    assert created.status_code == 201
    assert link.secret() in text and f"/integrations/github/{link.key}/" in text
    later = client.get(f"/rooms/{room.slug}/settings/github/{link.pk}/").content.decode()
    assert link.secret() not in later
    assert link.events == ["push", "issues"] and list(link.chats.all()) == [chat]
