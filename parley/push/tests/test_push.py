"""Web Push end to end: browsers subscribe through the API, messages are sent as users
send them, the jobs run as a worker runs them (run_due_jobs), and a push service on
loopback receives the pushes, which each test decrypts with the browser's private key."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from py_vapid import Vapid02

from parley.core.testing.jobs import run_due_jobs
from parley.core.testing.sockets import open_socket
from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.groups import check_create_group
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.send import check_send_message
from parley.notifications.actions import check_set_level, check_update_settings
from parley.notifications.scanning import SETTLE_SECONDS
from parley.push import vapid
from parley.push.jobs import push_to_subscription
from parley.push.models import PushSubscription
from parley.push.tests.conftest import Browser, PushService, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def deliver(clock: Any) -> None:
    """Time passes (the scan takes only messages a few seconds old), the worker runs."""
    clock.shift(timedelta(seconds=SETTLE_SECONDS + 5))
    run_due_jobs()


def pushes(service: PushService, browser: Browser) -> list[dict[str, Any]]:
    return [browser.decrypt(r["body"]) for r in service.received(browser.name)]


def test_a_direct_message_is_pushed_encrypted_and_signed_to_each_browser(
    loopback_allowed, push_service, clock, alice, bob, direct
):
    laptop, phone = Browser(push_service, "laptop"), Browser(push_service, "phone")
    subscribe(bob, laptop)
    subscribe(bob, phone)
    alices = Browser(push_service, "alices")
    subscribe(alice, alices)  # the sender is never pushed her own message
    sent = check_send_message(
        alice, client_id="d1", body="Lunch at <b>noon</b> & **bring** cake?",
        conversation_id=direct.pk,
    ).message  # fmt: skip

    deliver(clock)

    [request] = push_service.received("laptop")
    headers = request["headers"]
    assert headers["Content-Encoding"] == "aes128gcm"
    assert headers["TTL"] == "86400"
    assert headers["Urgency"] == "high"
    scheme, _, credentials = headers["Authorization"].partition(" ")
    token = dict(part.split("=", 1) for part in credentials.split(","))
    assert scheme == "vapid" and token["k"] == vapid.public_key()
    assert Vapid02.verify(headers["Authorization"])  # signed by the server's key
    claims = json.loads(vapid.b64url_decode(token["t"].split(".")[1]))
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == "mailto:admin@example.org"
    expected = {
        "title": "Alice Liddell",
        # Plain text: what the message shows, without Markdown marks; the HTML the
        # sender typed is text, as the chat shows it (the service worker shows text).
        "body": "Lunch at <b>noon</b> & bring cake?",
        "url": f"http://localhost:8000/chat/{direct.pk}/?at={sent.seq}",
        "tag": f"parley-conversation-{direct.pk}",
        "conversation": direct.pk,
        "message": sent.pk,
    }
    assert laptop.decrypt(request["body"]) == expected
    assert pushes(push_service, phone) == [expected]
    assert pushes(push_service, alices) == []
    assert all(s.last_push_at for s in PushSubscription.objects.filter(user=bob))


def test_mentions_in_a_room_are_pushed_and_other_room_messages_are_not(
    loopback_allowed, push_service, clock, alice, bob, room, chat
):
    browser = Browser(push_service, "bob")
    subscribe(bob, browser)
    check_send_message(alice, client_id="r1", body="morning all", conversation_id=chat.pk)
    mention = check_send_message(
        alice, client_id="r2", body="@bob can you look?", conversation_id=chat.pk
    ).message

    deliver(clock)

    [push] = pushes(push_service, browser)
    assert push["title"] == "Alice Liddell in Team › general"
    assert push["body"] == "@bob can you look?"
    assert push["url"].endswith(f"/chat/{chat.pk}/?at={mention.seq}")


def test_a_room_at_level_everything_pushes_its_every_message(
    loopback_allowed, push_service, clock, alice, bob, carol, room, chat
):
    """The level is the push channel's rule too (policy.allows): a room Bob set to
    "everything" pushes him its plain messages; Carol, at the rooms' default (mentions),
    gets none."""
    from parley.messaging.actions.rooms import check_join_room

    check_join_room(carol, room)
    check_set_level(bob, chat.pk, "everything")
    bobs, carols = Browser(push_service, "bob"), Browser(push_service, "carol")
    subscribe(bob, bobs)
    subscribe(carol, carols)
    check_send_message(alice, client_id="e1", body="standup in 5", conversation_id=chat.pk)

    deliver(clock)

    assert [p["body"] for p in pushes(push_service, bobs)] == ["standup in 5"]
    assert pushes(push_service, carols) == []


def test_a_group_message_is_pushed_to_every_other_member(
    loopback_allowed, push_service, clock, alice, bob, carol, room
):
    from parley.messaging.actions.rooms import check_join_room

    check_join_room(carol, room)
    group = check_create_group(alice, [bob.pk, carol.pk])
    bobs, carols = Browser(push_service, "bob"), Browser(push_service, "carol")
    subscribe(bob, bobs)
    subscribe(carol, carols)
    check_send_message(alice, client_id="g1", body="plans?", conversation_id=group.pk)

    deliver(clock)

    assert [p["body"] for p in pushes(push_service, bobs)] == ["plans?"]
    assert [p["body"] for p in pushes(push_service, carols)] == ["plans?"]
    assert pushes(push_service, bobs)[0]["title"].startswith("Alice Liddell in ")


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_its_push_service_has_forgotten_is_deleted(
    loopback_allowed, push_service, clock, alice, bob, direct, status
):
    gone, kept = Browser(push_service, "gone"), Browser(push_service, "kept")
    subscribe(bob, gone)
    subscribe(bob, kept)
    push_service.answers = {"gone": [status]}
    check_send_message(alice, client_id="x1", body="hello", conversation_id=direct.pk)

    deliver(clock)

    assert len(push_service.received("gone")) == 1
    assert [p["body"] for p in pushes(push_service, kept)] == ["hello"]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]
    # Not retried: nothing failed, nothing waits.
    assert (
        not DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .exclude(task_path__endswith="scan_for_push")
        .exists()
    )


def test_a_push_service_that_fails_is_tried_again_later(
    loopback_allowed, push_service, clock, alice, bob, direct
):
    browser = Browser(push_service, "bob")
    subscribe(bob, browser)
    push_service.answers = {"bob": [503, 429]}
    check_send_message(alice, client_id="f1", body="are you there", conversation_id=direct.pk)

    deliver(clock)
    assert len(push_service.received("bob")) == 1
    clock.shift(timedelta(seconds=11))  # the first retry's delay (JOBS_RETRY_SECONDS)
    run_due_jobs()
    assert len(push_service.received("bob")) == 2
    clock.shift(timedelta(seconds=21))  # doubled
    run_due_jobs()

    assert [p["body"] for p in pushes(push_service, browser)] == ["are you there"] * 3
    assert PushSubscription.objects.get().last_push_at is not None
    [result] = DBTaskResult.objects.filter(task_path=push_to_subscription.module_path)
    assert result.status == TaskResultStatus.SUCCESSFUL


def test_nothing_is_pushed_that_was_read_or_deleted_before_its_turn(
    loopback_allowed, push_service, clock, alice, bob, direct
):
    browser = Browser(push_service, "bob")
    subscribe(bob, browser)
    read = check_send_message(alice, client_id="a1", body="seen", conversation_id=direct.pk)
    check_mark_read(bob, direct.pk, read.message.seq)
    deleted = check_send_message(alice, client_id="a2", body="oops", conversation_id=direct.pk)
    check_delete_message(alice, deleted.message.pk)
    check_send_message(alice, client_id="a3", body="news", conversation_id=direct.pk)

    deliver(clock)

    assert [p["body"] for p in pushes(push_service, browser)] == ["news"]


def test_do_not_disturb_and_the_conversations_level_are_honoured(
    loopback_allowed, push_service, clock, alice, bob, direct, chat
):
    browser = Browser(push_service, "bob")
    subscribe(bob, browser)
    check_update_settings(bob, do_not_disturb=True)
    check_send_message(alice, client_id="n1", body="quiet 1", conversation_id=direct.pk)
    deliver(clock)
    assert pushes(push_service, browser) == []

    check_update_settings(bob, do_not_disturb=False)
    check_set_level(bob, direct.pk, "mentions")
    check_send_message(alice, client_id="n2", body="quiet 2", conversation_id=direct.pk)
    check_send_message(alice, client_id="n3", body="@bob loud", conversation_id=direct.pk)
    deliver(clock)
    assert [p["body"] for p in pushes(push_service, browser)] == ["@bob loud"]

    check_update_settings(bob, push_enabled=False)
    check_send_message(alice, client_id="n4", body="@bob again", conversation_id=direct.pk)
    deliver(clock)
    assert [p["body"] for p in pushes(push_service, browser)] == ["@bob loud"]


async def test_no_push_while_the_user_is_active_on_another_device(
    loopback_allowed, push_service, clock, alice, bob, direct
):
    browser = Browser(push_service, "phone")
    await database_sync_to_async(subscribe)(bob, browser)
    desk, connected, _ = await open_socket(bob)  # bob's desktop tab, shown and in use
    assert connected
    send = database_sync_to_async(check_send_message)

    await send(alice, client_id="p1", body="you see this", conversation_id=direct.pk)
    await database_sync_to_async(deliver)(clock)
    assert push_service.received("phone") == []

    await desk.send(type="presence", state="idle")  # the tab hidden, or left alone
    await desk.request(type="ping")
    await send(alice, client_id="p2", body="now you do not", conversation_id=direct.pk)
    await database_sync_to_async(deliver)(clock)
    assert [p["body"] for p in pushes(push_service, browser)] == ["now you do not"]

    await desk.close()
    await send(alice, client_id="p3", body="and gone", conversation_id=direct.pk)
    await database_sync_to_async(deliver)(clock)
    assert [p["body"] for p in pushes(push_service, browser)] == ["now you do not", "and gone"]


def test_internal_addresses_are_never_pushed_to(push_service, clock, alice, bob, direct):
    """Without OUTGOING_WEBHOOK_ALLOWED_NETWORKS, loopback (like any non-public address)
    is refused before anything is sent: an endpoint is no way into the server's network."""
    browser = Browser(push_service, "bob")
    subscribe(bob, browser)
    check_send_message(alice, client_id="s1", body="hello", conversation_id=direct.pk)

    deliver(clock)

    assert push_service.requests == []
    [result] = DBTaskResult.objects.filter(task_path=push_to_subscription.module_path)
    assert result.status == TaskResultStatus.FAILED  # at once: no retry reaches inside


def test_the_scan_stops_without_subscriptions_and_pushes_nothing_old(
    loopback_allowed, push_service, clock, alice, bob, direct
):
    check_send_message(alice, client_id="o1", body="before any browser", conversation_id=direct.pk)
    deliver(clock)
    assert not DBTaskResult.objects.exists()  # nobody subscribed: no scan at all

    browser = Browser(push_service, "bob")
    subscription = subscribe(bob, browser)
    check_send_message(alice, client_id="o2", body="after", conversation_id=direct.pk)
    deliver(clock)
    assert [p["body"] for p in pushes(push_service, browser)] == ["after"]

    client_removes = PushSubscription.objects.filter(pk=subscription["id"])
    client_removes.delete()
    deliver(clock)  # the scan that finds no browser ends the chain
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert not waiting.exists()


def test_a_starting_worker_starts_the_scan_when_a_browser_is_subscribed(push_service, bob):
    from parley.jobs.worker import ParleyWorker, worker_started
    from parley.push.scan import scan_for_push

    worker_started.send(sender=ParleyWorker)
    assert not DBTaskResult.objects.filter(task_path=scan_for_push.module_path).exists()
    subscribe(bob, Browser(push_service, "bob"))  # starts it
    DBTaskResult.objects.all().delete()  # as if that chain had failed for good
    worker_started.send(sender=ParleyWorker)
    [scan] = DBTaskResult.objects.filter(task_path=scan_for_push.module_path)
    assert scan.status == TaskResultStatus.READY


def test_a_message_of_files_alone_is_pushed_with_the_files_names(
    loopback_allowed, push_service, clock, alice, bob, direct
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parley.files.actions import check_upload

    browser = Browser(push_service, "bob")
    subscribe(bob, browser)
    file = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    attachment = check_upload(alice, direct.pk, file)
    check_send_message(
        alice, client_id="f1", body="", conversation_id=direct.pk, attachments=[attachment.pk]
    )

    deliver(clock)

    [push] = pushes(push_service, browser)
    assert push["body"] == "sent a file: report.pdf"
