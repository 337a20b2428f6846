"""The missed-message email, read from a real SMTP server on loopback.

Time moves with time-machine: the scan runs, then the jobs due (in this process, as a
worker runs them), at chosen moments after the messages were sent.
"""

import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.db import transaction
from django.test import Client

from parley.core.testing.jobs import run_due_jobs
from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.read import check_mark_read
from parley.messaging.actions.send import check_send_message
from parley.notifications import presence
from parley.notifications.actions import check_set_level, check_update_settings
from parley.notifications.email import scan, send_missed_email
from parley.notifications.models import EmailBatch
from parley.notifications.tests.smtp import SMTPServer

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.PUBLIC_URL = "https://parley.example"
        yield server


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def at(clock, seconds):
    """Move to START + seconds, scan, and run the jobs due then."""
    clock.move_to(START + timedelta(seconds=seconds))
    with transaction.atomic():
        scan()
    run_due_jobs()


def send(sender, conversation, body, n=[0]):  # noqa: B006  (a counter for client ids)
    n[0] += 1
    return check_send_message(
        sender, client_id=f"t{n[0]}", body=body, conversation_id=conversation.pk
    ).message


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_direct_messages_batched_into_one_email_after_the_delay(smtp, clock, alice, bob, direct):
    first = send(alice, direct, "Lunch **today**?")
    clock.shift(30)
    send(alice, direct, "At noon")
    at(clock, 100)  # before the 2 minutes: nothing yet
    assert smtp.inbox.messages == []
    at(clock, 121)
    (email,) = smtp.inbox.wait_for(1)
    assert email["To"] == bob.email
    assert email["Subject"] == "2 new messages from Alice Liddell"
    text, html = parts(email)
    assert "Lunch **today**?" in text and "At noon" in text
    assert "<strong>today</strong>" in html
    link = f"https://parley.example/chat/{direct.pk}/?message={first.pk}"
    assert link in text and f'href="{link}"' in html
    at(clock, 400)  # nothing more to tell
    assert len(smtp.inbox.messages) == 1


def test_read_and_deleted_messages_are_left_out(smtp, clock, alice, bob, carol, direct):
    read = send(alice, direct, "read on the phone")
    gone = send(alice, direct, "oops, deleted")
    kept = send(alice, direct, "still unread")
    check_mark_read(bob, direct.pk, read.seq)
    check_delete_message(alice, gone.pk)
    at(clock, 121)
    (email,) = smtp.inbox.wait_for(1)
    text, html = parts(email)
    assert "still unread" in text and kept.body in html
    assert "read on the phone" not in text + html
    assert "oops" not in text + html
    assert email["Subject"] == "1 new message from Alice Liddell"


def test_everything_read_meanwhile_sends_nothing(smtp, clock, alice, bob, direct):
    message = send(alice, direct, "hello")
    at(clock, 10)
    check_mark_read(bob, direct.pk, message.seq)
    at(clock, 200)
    assert smtp.inbox.messages == []
    assert EmailBatch.objects.get().state == "skipped"


@contextmanager
def socket_of(user, state):
    """A socket's presence record while inside, as the consumer writes it (Redis or
    memory); gone after, as when the socket closes."""
    from parley.realtime.presence import close_store, store

    async def touch(leave=False):
        if leave:
            await store().leave(user.pk, f"test-{user.pk}", time.time())
        else:
            await store().touch(user.pk, f"test-{user.pk}", state, time.time())
        await close_store()

    async_to_sync(touch)()
    try:
        yield
    finally:
        async_to_sync(touch)(leave=True)


def test_no_email_while_connected_and_active(smtp, clock, alice, bob, direct):
    send(alice, direct, "hello")
    clock.move_to(START + timedelta(seconds=121))
    with socket_of(bob, "active"):
        assert presence.active_anywhere(bob.pk)
        at(clock, 121)
    assert smtp.inbox.messages == []
    assert EmailBatch.objects.get().state == "skipped"


def test_idle_tabs_still_get_the_email(smtp, clock, alice, bob, direct):
    send(alice, direct, "hello")
    clock.move_to(START + timedelta(seconds=121))
    with socket_of(bob, "idle"):
        assert presence.statuses([bob.pk]) == {bob.pk: "away"}
        at(clock, 121)
    smtp.inbox.wait_for(1)


def test_do_not_disturb_and_level_nothing_send_nothing(
    smtp, clock, alice, bob, carol, direct, chat
):
    check_update_settings(bob, do_not_disturb=True)
    send(alice, direct, "during DND")
    at(clock, 121)
    check_update_settings(bob, do_not_disturb=False)
    check_set_level(bob, direct.pk, "nothing")
    send(alice, direct, "muted conversation")
    at(clock, 300)
    assert smtp.inbox.messages == []


def test_room_mentions_email_other_room_messages_do_not(smtp, clock, alice, bob, chat):
    send(alice, chat, "a message for the room")
    send(alice, chat, "@bob please look")
    at(clock, 121)
    (email,) = smtp.inbox.wait_for(1)
    assert email["Subject"] == "1 new message in Team › general" or "in Team" in email["Subject"]
    text, _ = parts(email)
    assert "please look" in text and "a message for the room" not in text
    assert "(mentioned you)" in text


def test_hostile_content_is_escaped(smtp, clock, alice, bob, direct):
    bob.display_name = "Bob"
    bob.save()
    alice.display_name = 'Mallory <img src=x onerror="alert(1)">'
    alice.save()
    send(alice, direct, '<script>alert("x")</script> & <b>bold</b>')
    at(clock, 121)
    (email,) = smtp.inbox.wait_for(1)
    _, html = parts(email)
    assert "<script>" not in html and "<b>bold</b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "Mallory &lt;img" in html


def test_unsubscribe_link_and_one_click_headers(smtp, clock, alice, bob, direct):
    send(alice, direct, "hello")
    at(clock, 121)
    (email,) = smtp.inbox.wait_for(1)
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(
        r"<(https://parley\.example(/notifications/unsubscribe/[^>]+/))>",
        email["List-Unsubscribe"].strip(),
    )
    assert url is not None, email["List-Unsubscribe"]
    text, html = parts(email)
    assert url.group(1) in text and url.group(1) in html
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(url.group(2))  # a confirmation page; a GET changes nothing
    assert page.status_code == 200 and b"Stop the emails" in page.content
    bob.refresh_from_db()
    answer = anonymous.post(url.group(2), {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and b"no more missed-message emails" in answer.content
    send(alice, direct, "after unsubscribing")
    at(clock, 400)
    assert len(smtp.inbox.messages) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "eyJ1Ijo5OTk5LCJwIjoiZW1haWwifQ:1abc:forged",
        lambda token: "%00",
        lambda token: "a" * 600,
    ],
)
def test_a_forged_or_tampered_token_is_refused(smtp, clock, alice, bob, direct, tamper):
    from parley.notifications.email import unsubscribe_token

    token = tamper(unsubscribe_token(bob.pk))
    answer = Client().post(f"/notifications/unsubscribe/{token}/")
    assert answer.status_code in (400, 404)
    send(alice, direct, "still subscribed")
    at(clock, 121)
    smtp.inbox.wait_for(1)


def test_a_job_run_again_sends_nothing(smtp, clock, alice, bob, direct):
    send(alice, direct, "once")
    at(clock, 121)
    smtp.inbox.wait_for(1)
    batch = EmailBatch.objects.get()
    assert batch.state == "sent"
    send_missed_email.call(batch.pk)  # a second run, as after a lost worker
    assert len(smtp.inbox.messages) == 1


def test_the_scan_chain_runs_once_and_goes_on(smtp, clock, alice, bob, direct):
    from django_tasks_db.models import DBTaskResult

    from parley.jobs.worker import worker_started
    from parley.notifications.email import scan_messages

    # Two workers start: one chain of scans (the second stops at its first run).
    worker_started.send(sender=None)
    worker_started.send(sender=None)
    send(alice, direct, "found by the scan job")
    clock.move_to(START + timedelta(seconds=10))
    run_due_jobs()
    scans = DBTaskResult.objects.filter(task_path=scan_messages.module_path)
    assert scans.filter(status="READY").count() == 1  # the next scan, 15 s on
    clock.move_to(START + timedelta(seconds=130))
    run_due_jobs()
    (email,) = smtp.inbox.wait_for(1)
    assert "found by the scan job" in parts(email)[0]
    assert scans.filter(status="READY").count() == 1


def test_a_room_opted_into_emails_its_messages(smtp, clock, alice, bob, chat):
    """A room bob opted into (rooms by email on, the room at level everything) emails
    him its plain messages too, as a direct conversation would."""
    check_update_settings(bob, email_rooms=True)
    check_set_level(bob, chat.pk, "everything")
    message = send(alice, chat, "the build is green")
    at(clock, 121)
    (email,) = smtp.inbox.wait_for(1)
    assert email["To"] == bob.email
    assert "Team" in email["Subject"]
    text, html = parts(email)
    assert "the build is green" in text and "the build is green" in html
    assert f"https://parley.example/chat/{chat.pk}/?message={message.pk}" in text


def test_the_plain_text_part_is_the_text_as_written_with_its_link(smtp, clock, alice, bob, direct):
    """Plain text is not HTML: the body as typed (no entities, no tags of the rendering),
    the sender's name as is, and the link that opens the conversation at the message."""
    alice.display_name = "Alice <A&B>"
    alice.save()
    message = send(alice, direct, 'if a < b && c > "d" then **go**')
    at(clock, 121)
    (email,) = smtp.inbox.wait_for(1)
    text, html = parts(email)
    assert 'if a < b && c > "d" then **go**' in text
    assert "&lt;" not in text and "&amp;" not in text and "<strong>" not in text
    assert "Alice <A&B>, " in text
    link = f"https://parley.example/chat/{direct.pk}/?message={message.pk}"
    assert f"Open: {link}" in text.splitlines()
    assert "if a &lt; b &amp;&amp; c &gt;" in html and "<strong>go</strong>" in html


def test_a_message_of_files_alone_says_which_files(smtp, clock, alice, bob, direct):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parley.files.actions import check_upload

    file = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    attachment = check_upload(alice, direct.pk, file, "report <final>.pdf")
    check_send_message(
        alice, client_id="files", body="", conversation_id=direct.pk, attachments=[attachment.pk]
    )
    at(clock, 121)
    (email,) = smtp.inbox.wait_for(1)
    text, html = parts(email)
    assert "sent a file: report <final>.pdf" in text
    assert "sent a file: report &lt;final&gt;.pdf" in html
