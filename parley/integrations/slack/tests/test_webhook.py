"""The incoming webhook as a tool made for Slack and a room's admin see it: Slack's own
SDK posts text, attachments and blocks to a live server and the chat shows them as the
webhook's bot; answers and errors are Slack's; signing; the set-up pages."""

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from parley.integrations.models import SlackWebhook
from parley.integrations.slack.actions import check_create_slack_webhook, check_set_slack_signing
from parley.integrations.slack.formatter import format_payload
from parley.messaging.actions.rooms import (
    check_archive_room,
    check_create_room,
    check_join_room,
    check_leave_room,
)
from parley.messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(alice):
    return check_create_room(alice, title="Ops")


@pytest.fixture
def chat(room):
    return room.chats.get(is_default=True)


@pytest.fixture
def hook(alice, room, chat) -> SlackWebhook:
    return check_create_slack_webhook(alice, room, chat_id=chat.pk, name="Alerts")


def posted(chat) -> list[Message]:
    return list(Message.objects.filter(conversation=chat).order_by("seq"))


def post(
    hook: SlackWebhook, body: bytes | str, content_type: str = "application/json", **headers: str
) -> Any:
    return Client(headers=headers).post(
        f"/integrations/slack/{hook.key}/", body, content_type=content_type
    )


def signed_headers(secret: str, body: str, *, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


# --- Slack's SDK against a live server ---------------------------------------------------


def sdk(live_server, hook: SlackWebhook, **headers: str) -> WebhookClient:
    return WebhookClient(
        f"{live_server.url}/integrations/slack/{hook.key}/", default_headers=headers
    )


def test_slack_s_sdk_posts_text_attachments_and_blocks_as_the_webhook_s_bot(
    live_server, hook, chat
):
    client = sdk(live_server, hook)
    attachments = [
        {
            "fallback": "Build #42 failed",
            "color": "danger",
            "title": "Build #42 failed",
            "title_link": "https://ci.example.com/42",
            "fields": [{"title": "Branch", "value": "main", "short": True}],
        }
    ]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Deploy :rocket:"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*parley* is live"}},
    ]

    answers = [
        client.send(text="Hello from *Slack's SDK* :wave:"),
        client.send(text="CI", attachments=attachments),
        client.send(text="fallback", blocks=blocks),
    ]

    assert [(a.status_code, a.body) for a in answers] == [(200, "ok")] * 3
    messages = posted(chat)
    assert [m.body for m in messages] == [
        "Hello from **Slack's SDK** 👋",
        "CI\n\n> 🔴 **[Build \\#42 failed](https://ci.example.com/42)**\n>\n> **Branch**: main",
        "### Deploy 🚀\n\n**parley** is live",
    ]
    assert {m.sender_id for m in messages} == {hook.bot_id}
    assert hook.bot.is_bot and hook.bot.display_name == "Alerts"
    assert "<strong>Slack's SDK</strong>" in messages[0].html


def test_slack_s_sdk_gets_slack_s_errors_and_nothing_is_posted(live_server, hook, chat):
    client = sdk(live_server, hook)

    empty = client.send(text="")
    blocks = client.send_dict({"blocks": "not a list"})
    unknown = WebhookClient(f"{live_server.url}/integrations/slack/nope/").send(text="hi")

    assert (empty.status_code, empty.body) == (400, "no_text")
    assert (blocks.status_code, blocks.body) == (400, "invalid_blocks")
    assert (unknown.status_code, unknown.body) == (404, "no_service")
    assert posted(chat) == []


def test_slack_s_sdk_with_signing_on(live_server, alice, room, hook, chat):
    hook = check_set_slack_signing(alice, room, hook.pk)
    secret = hook.signing_secret()
    assert secret is not None
    body = json.dumps({"text": "signed"})  # WebhookClient sends json.dumps(body)

    unsigned = sdk(live_server, hook).send(text="signed")
    signed = sdk(live_server, hook, **signed_headers(secret, body)).send(text="signed")

    assert (unsigned.status_code, unsigned.body) == (401, "invalid_token")
    assert (signed.status_code, signed.body) == (200, "ok")
    assert [m.body for m in posted(chat)] == ["signed"]


# --- the webhook's answers ---------------------------------------------------------------


def test_a_form_with_a_payload_field_is_taken(hook, chat):
    body = urlencode({"payload": json.dumps({"text": "from a form", "username": "cron"})})

    response = post(hook, body, "application/x-www-form-urlencoded")

    assert response.status_code == 200 and response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert [m.body for m in posted(chat)] == ["**cron** via webhook\n\nfrom a form"]


def test_json_sent_as_curl_s_default_form_type_is_taken(hook, chat):
    response = post(hook, '{"text": "curl -d"}', "application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert [m.body for m in posted(chat)] == ["curl \\-d"]


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        ("not json", "application/json", "invalid_payload"),
        ("[1, 2]", "application/json", "invalid_payload"),
        ('{"text": 3}', "application/json", "invalid_payload"),
        ('{"text": "a", "text": "b"}', "application/json", "invalid_payload"),
        ("payload=not+json", "application/x-www-form-urlencoded", "invalid_payload"),
        ("other=1", "application/x-www-form-urlencoded", "invalid_payload"),
        ('{"attachments": {"text": "x"}}', "application/json", "invalid_attachments"),
        ('{"blocks": "x"}', "application/json", "invalid_blocks"),
        ("{}", "application/json", "no_text"),
        ('{"text": "   ", "username": "x"}', "application/json", "no_text"),
        ('{"blocks": [{"type": "input"}]}', "application/json", "no_text"),
    ],
)
def test_bad_payloads_get_slack_s_errors_and_post_nothing(hook, chat, body, content_type, error):
    response = post(hook, body, content_type)

    assert (response.status_code, response.content.decode()) == (400, error)
    assert posted(chat) == []


def test_an_unknown_or_removed_webhook_is_no_service(alice, room, hook):
    assert Client().post("/integrations/slack/nope/", "{}", "application/json").status_code == 404
    client = Client()
    client.force_login(alice)
    client.post(f"/rooms/{room.slug}/settings/slack/{hook.pk}/delete/")

    response = post(hook, '{"text": "hi"}')

    assert (response.status_code, response.content) == (404, b"no_service")
    hook.bot.refresh_from_db()
    assert not hook.bot.is_active


def test_only_post_is_answered(hook):
    assert Client().get(f"/integrations/slack/{hook.key}/").status_code == 405


def test_the_bot_s_send_rate_applies(settings, hook, chat):
    settings.SEND_RATE_BURST = 2
    settings.SEND_RATE_PER_SECOND = 0.01

    answers = [post(hook, json.dumps({"text": f"alert {i}"})) for i in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].content == b"rate_limited" and int(answers[2]["Retry-After"]) >= 1
    assert len(posted(chat)) == 2


def test_a_bot_no_longer_in_the_chat_is_channel_not_found(hook, room, chat):
    check_leave_room(hook.bot, room)

    response = post(hook, '{"text": "hi"}')

    assert (response.status_code, response.content) == (404, b"channel_not_found")


def test_an_archived_room_is_channel_is_archived(alice, hook, room, chat):
    check_archive_room(alice, room)

    response = post(hook, '{"text": "hi"}')

    assert (response.status_code, response.content) == (410, b"channel_is_archived")
    assert posted(chat) == []


def test_a_body_larger_than_parley_takes_is_request_too_large(settings, hook, chat):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = post(hook, json.dumps({"text": "x" * 2_000}))

    assert (response.status_code, response.content) == (413, b"request_too_large")
    assert posted(chat) == []


def test_a_long_text_is_posted_cut_with_a_note(hook, chat):
    response = post(hook, json.dumps({"text": "a" * 40_000}))

    [message] = posted(chat)
    assert response.status_code == 200
    assert message.body == format_payload({"text": "a" * 40_000}, limit=10_000)
    assert message.body.endswith("allows\\.\\)*")


def test_what_a_sender_writes_stays_text_in_the_chat(hook, chat, bob, room):
    check_join_room(bob, room)
    payload = {
        "username": "bob",
        "text": "<script>alert(1)</script> @bob <javascript:alert(1)|click> <!here>",
        "attachments": [{"title": "@bob", "title_link": "javascript:alert(1)"}],
    }

    post(hook, json.dumps(payload))

    [message] = posted(chat)
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert 'class="mention"' not in message.html and "javascript" not in message.html
    assert message.html.startswith("<p><strong>bob</strong> via webhook</p>")


# --- signing -----------------------------------------------------------------------------


@pytest.fixture
def signed(alice, room, hook) -> tuple[SlackWebhook, str]:
    hook = check_set_slack_signing(alice, room, hook.pk)
    secret = hook.signing_secret()
    assert secret is not None
    return hook, secret


def test_a_signed_request_is_posted(signed, chat):
    hook, secret = signed
    body = '{"text": "signed"}'

    response = post(hook, body, **signed_headers(secret, body))

    assert response.status_code == 200 and [m.body for m in posted(chat)] == ["signed"]


def test_a_replayed_signed_request_posts_nothing_new(signed, chat):
    hook, secret = signed
    body = '{"text": "once"}'
    headers = signed_headers(secret, body)

    first, again = post(hook, body, **headers), post(hook, body, **headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert len(posted(chat)) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda h, b: {},
        lambda h, b: {"X-Slack-Request-Timestamp": h["X-Slack-Request-Timestamp"]},
        lambda h, b: {**h, "X-Slack-Signature": "v0=" + "0" * 64},
        lambda h, b: signed_headers("another secret", b),
        lambda h, b: {
            **h,
            "X-Slack-Request-Timestamp": str(int(h["X-Slack-Request-Timestamp"]) + 1),
        },
        lambda h, b: signed_headers(h["secret"], b, at=time.time() - 301),
        lambda h, b: signed_headers(h["secret"], b, at=time.time() + 301),
    ],
)
def test_with_signing_on_a_request_not_signed_right_and_fresh_is_401(signed, chat, change):
    hook, secret = signed
    body = '{"text": "forged"}'
    headers = {**signed_headers(secret, body), "secret": secret}
    sent = {k: v for k, v in change(headers, body).items() if k != "secret"}

    response = post(hook, body, **sent)

    assert (response.status_code, response.content) == (401, b"invalid_token")
    assert posted(chat) == []


def test_a_new_signing_secret_refuses_the_old_one_and_turning_it_off_needs_none(
    signed, alice, room, chat
):
    hook, old = signed
    client = Client()
    client.force_login(alice)
    body = '{"text": "hi"}'

    page = client.post(f"/rooms/{room.slug}/settings/slack/{hook.pk}/signing/")
    hook.refresh_from_db()
    new = hook.signing_secret()

    assert page.status_code == 200 and new is not None and new in page.content.decode()
    assert post(hook, body, **signed_headers(old, body)).status_code == 401
    assert post(hook, body, **signed_headers(new, body)).status_code == 200
    client.post(f"/rooms/{room.slug}/settings/slack/{hook.pk}/signing/remove/")
    assert post(hook, body).status_code == 200
    later = client.get(f"/rooms/{room.slug}/settings/slack/{hook.pk}/").content.decode()
    assert new not in later and "Signing is off" in later


# --- the set-up pages --------------------------------------------------------------------


def test_an_admin_makes_a_webhook_and_gets_its_url(alice, room, chat):
    client = Client()
    client.force_login(alice)

    created = client.post(f"/rooms/{room.slug}/settings/slack/", {"chat": chat.pk, "name": ""})

    hook = SlackWebhook.objects.get()
    assert created.status_code == 201
    assert f"/integrations/slack/{hook.key}/" in created.content.decode()
    assert hook.chat == chat and hook.bot.display_name == "Webhook" and hook.bot.is_bot
    assert hook.signing_secret() is None
    listing = client.get(f"/rooms/{room.slug}/settings/slack/").content.decode()
    assert f"/rooms/{room.slug}/settings/slack/{hook.pk}/" in listing
    settings_page = client.get(f"/rooms/{room.slug}/settings/").content.decode()
    assert f"/rooms/{room.slug}/settings/slack/" in settings_page


def test_a_chat_of_another_room_cannot_be_chosen(alice, room):
    other = check_create_room(alice, title="Elsewhere").chats.get(is_default=True)
    client = Client()
    client.force_login(alice)

    response = client.post(f"/rooms/{room.slug}/settings/slack/", {"chat": other.pk})

    assert response.status_code == 400 and not SlackWebhook.objects.exists()


def test_only_the_room_s_managers_see_the_set_up_pages(hook, room, bob, carol):
    check_join_room(bob, room)
    member, outsider = Client(), Client()
    member.force_login(bob)
    outsider.force_login(carol)
    base = f"/rooms/{room.slug}/settings/slack"

    for client in (member, outsider):
        for url in (f"{base}/", f"{base}/{hook.pk}/"):
            assert client.get(url).status_code in (403, 404)
        for url in (
            f"{base}/",
            f"{base}/{hook.pk}/signing/",
            f"{base}/{hook.pk}/signing/remove/",
            f"{base}/{hook.pk}/delete/",
        ):
            assert client.post(url, {"chat": hook.chat_id}).status_code in (403, 404)
    hook.refresh_from_db()
    assert hook.signing_salt == "" and SlackWebhook.objects.count() == 1
