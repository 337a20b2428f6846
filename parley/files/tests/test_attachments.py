"""Attachments as clients see them: upload to a conversation, send in a message over the
API and the socket, download by another member; refusals that store nothing; what the
downloads' headers promise; thumbnails without EXIF; deleted messages' files no longer
served; orphans swept. Runs on SQLite and on PostgreSQL + Redis."""

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from parley.accounts.actions.friends import check_block_user
from parley.core.testing.clients import client_for
from parley.core.testing.sockets import open_socket
from parley.events.catalogue import MessageData, validate_as
from parley.files.models import Attachment
from parley.files.tests.images import HTML, PDF, SVG, jpeg_with_exif, png, png_bomb
from parley.messaging.actions.delete import check_delete_message
from parley.messaging.actions.direct import check_direct_conversation
from parley.messaging.actions.move import check_move_message
from parley.messaging.actions.rooms import check_archive_room, check_create_chat
from parley.messaging.models import Message

SEND = "/api/v1/messages"


def upload_url(conversation_id: int) -> str:
    return f"/api/v1/conversations/{conversation_id}/attachments"


def upload(client: Client, conversation_id: int, name: str, data: bytes, kind: str = "") -> Any:
    """Upload as the web client does: the file, and its name as typed in `name`."""
    file = SimpleUploadedFile("upload", data, content_type=kind or "application/octet-stream")
    return client.post(upload_url(conversation_id), {"file": file, "name": name})


def uploaded(client: Client, conversation_id: int, name: str, data: bytes, kind: str = "") -> dict:
    response = upload(client, conversation_id, name, data, kind)
    assert response.status_code == 201, response.content
    return response.json()["attachment"]


def send(
    client: Client, conversation_id: int, ids: list[int], body: str = "", cid: str = "c1"
) -> Any:
    data = {"conversation": conversation_id, "client_id": cid, "body": body, "attachments": ids}
    return client.post(SEND, data, content_type="application/json")


def content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return sorted(root.iterdir()) if root.exists() else []


@pytest.fixture
def outsider_client(carol) -> Client:
    return client_for(carol)


def test_a_file_sent_in_a_message_downloads_for_another_member(alice_client, bob_client, chat):
    attachment = uploaded(alice_client, chat.pk, "notes.pdf", PDF, "application/pdf")
    assert attachment["name"] == "notes.pdf"
    assert attachment["type"] == "application/pdf"
    assert attachment["size"] == len(PDF)
    assert attachment["thumbnail_url"] is None
    # Before it is sent, only the uploader can fetch it.
    assert alice_client.get(attachment["url"]).status_code == 200
    assert bob_client.get(attachment["url"]).status_code == 404

    response = send(alice_client, chat.pk, [attachment["id"]], body="the minutes")
    assert response.status_code == 201, response.content
    message = validate_as(response.json()["message"], MessageData)
    assert message["attachments"] == [attachment]

    download = bob_client.get(attachment["url"])
    assert download.status_code == 200
    assert content(download) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="notes.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    # History shows it too.
    page = bob_client.get(f"/api/v1/conversations/{chat.pk}/messages").json()
    assert page["messages"][0]["attachments"] == [attachment]


def test_an_outsider_gets_the_same_404_as_for_a_file_that_does_not_exist(
    alice_client, outsider_client, chat
):
    attachment = uploaded(alice_client, chat.pk, "a.txt", b"secret plans\n")
    send(alice_client, chat.pk, [attachment["id"]])
    refused = outsider_client.get(attachment["url"])
    missing = outsider_client.get("/files/987654/download")
    assert refused.status_code == missing.status_code == 404
    assert outsider_client.get(f"/files/{attachment['id']}/view").status_code == 404
    assert Client().get(attachment["url"]).status_code == 302  # signed out: to the login


def test_a_deleted_messages_file_is_no_longer_served(alice, alice_client, bob_client, chat):
    attachment = uploaded(alice_client, chat.pk, "photo.png", png(), "image/png")
    sent = send(alice_client, chat.pk, [attachment["id"]]).json()
    assert bob_client.get(attachment["thumbnail_url"]).status_code == 200

    check_delete_message(alice, sent["id"])

    for url in (attachment["url"], attachment["thumbnail_url"], attachment["view_url"]):
        assert bob_client.get(url).status_code == 404
        assert alice_client.get(url).status_code == 404
    tombstone = bob_client.get(f"/api/v1/messages/{sent['id']}").json()
    assert tombstone["deleted"] is True
    assert tombstone["attachments"] == []


def test_a_moved_messages_file_follows_it(alice, alice_client, bob_client, room, chat):
    other = check_create_chat(alice, room, title="other")
    attachment = uploaded(alice_client, chat.pk, "a.txt", b"text\n")
    sent = send(alice_client, chat.pk, [attachment["id"]]).json()
    check_move_message(alice, sent["id"], other.pk)
    copy = Message.objects.get(moved_from=chat)
    assert [a["id"] for a in copy.attachments] == [attachment["id"]]
    assert bob_client.get(attachment["url"]).status_code == 200


def test_an_image_gets_an_upright_thumbnail_without_exif(alice_client, bob_client, chat):
    original = jpeg_with_exif(width=80, height=40, orientation=6)
    assert Image.open(io.BytesIO(original)).getexif()  # the input does carry EXIF
    attachment = uploaded(alice_client, chat.pk, "IMG_0001.JPG", original, "image/jpeg")
    assert attachment["type"] == "image/jpeg"
    assert (attachment["width"], attachment["height"]) == (40, 80)  # turned upright
    send(alice_client, chat.pk, [attachment["id"]])

    response = bob_client.get(attachment["thumbnail_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    thumbnail = Image.open(io.BytesIO(content(response)))
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (40, 80)
    assert not thumbnail.getexif()
    assert "exif" not in thumbnail.info and "xmp" not in thumbnail.info

    full = bob_client.get(attachment["view_url"])
    assert full["Content-Type"] == "image/jpeg"
    assert full["Content-Disposition"] == "inline"
    assert content(full) == original


def test_text_html_and_svg_are_never_served_as_such(alice_client, bob_client, chat):
    ids = []
    for name, data in (("page.html", HTML), ("logo.svg", SVG)):
        attachment = uploaded(alice_client, chat.pk, name, data, "text/html")
        assert attachment["type"] == "text/plain"
        assert attachment["view_url"] is None
        ids.append(attachment["id"])
    send(alice_client, chat.pk, ids)
    for pk in ids:
        response = bob_client.get(f"/files/{pk}/download")
        assert response["Content-Type"] == "text/plain"
        assert response["Content-Disposition"].startswith("attachment;")
        assert bob_client.get(f"/files/{pk}/view").status_code == 404


def test_an_unsafe_name_is_given_safely_in_content_disposition(alice_client, chat):
    attachment = uploaded(alice_client, chat.pk, 'résumé "final";.txt', b"cv\n")
    header = alice_client.get(attachment["url"])["Content-Disposition"]
    assert header == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%20%22final%22%3B.txt"


@pytest.mark.parametrize(
    ("name", "data", "kind", "reason"),
    [
        ("fake.png", b"MZ\x90\x00 not an image", "image/png", "type_mismatch"),
        ("fake.jpg", HTML, "text/plain", "type_mismatch"),
        ("cut.png", png()[:40], "image/png", "type_mismatch"),
        ("../../etc/passwd", b"x", "", "bad_name"),
        ("dir\\file.txt", b"x", "", "bad_name"),
        ("..", b"x", "", "bad_name"),
        ("a" * 201, b"x", "", "bad_name"),
        ("line\nbreak.txt", b"x", "", "bad_name"),
        ("rtl\u202etxt.exe", b"x", "", "bad_name"),
        ("\u2068isolate.txt", b"x", "", "bad_name"),
        ("empty.txt", b"", "", "empty"),
        ("bomb.png", png_bomb(), "image/png", "too_many_pixels"),
    ],
)
def test_bad_uploads_are_refused_and_store_nothing(
    alice_client, chat, settings, name, data, kind, reason
):
    response = upload(alice_client, chat.pk, name, data, kind)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["reason"] == reason
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_the_multipart_file_name_is_cut_to_its_last_part_by_djangos_parser(alice_client, chat):
    file = SimpleUploadedFile("../../etc/passwd", b"x")
    response = alice_client.post(upload_url(chat.pk), {"file": file})
    assert response.json()["attachment"]["name"] == "passwd"


def test_emoji_and_accents_in_a_name_are_kept(alice_client, chat):
    name = "fami\u0301ly 👨\u200d👩\u200d👧.txt"  # a combining accent, joined emoji
    assert uploaded(alice_client, chat.pk, name, b"x")["name"] == "famíly 👨\u200d👩\u200d👧.txt"


def test_a_nul_in_a_name_is_refused(alice_client, chat, settings):
    response = upload(alice_client, chat.pk, "a\x00b.txt", b"x")
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_413(alice_client, chat, settings):
    settings.FILES_MAX_BYTES = 1000
    response = upload(alice_client, chat.pk, "big.bin", b"x" * 1001)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert response.json()["error"]["message"] == "A file may be at most 0.000953674 MB."
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []
    assert upload(alice_client, chat.pk, "ok.bin", b"x" * 1000).status_code == 201


def test_an_upload_to_a_conversation_you_are_not_in_is_404(outsider_client, chat, settings):
    response = upload(outsider_client, chat.pk, "a.txt", b"hi\n")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_an_upload_where_a_send_is_refused_gets_the_sends_error(
    alice, bob, alice_client, room, chat, settings
):
    """Who may not send to a conversation may not upload to it either, with the same
    error as the send: an archived room (read-only), a direct conversation with a block."""
    check_archive_room(alice, room)
    refused = upload(alice_client, chat.pk, "a.txt", b"hi\n")
    assert refused.status_code == 403
    assert refused.json()["error"] == send(alice_client, chat.pk, [], body="hi").json()["error"]

    direct = check_direct_conversation(alice, bob.pk)
    check_block_user(bob, alice)
    refused = upload(alice_client, direct.pk, "a.txt", b"hi\n")
    assert refused.status_code == 403
    sent = send(alice_client, direct.pk, [], body="hi", cid="c2")
    assert refused.json()["error"] == sent.json()["error"]
    assert refused.json()["error"]["message"] == "You can't message this person."
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_two_files_in_one_upload_are_refused(alice_client, chat):
    files = [SimpleUploadedFile(n, b"x") for n in ("a.txt", "b.txt")]
    response = alice_client.post(upload_url(chat.pk), {"file": files})
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "one_file"
    assert not Attachment.objects.exists()


def test_a_send_takes_only_the_senders_unsent_uploads_to_that_conversation(
    alice, alice_client, bob_client, room, chat, settings
):
    other = check_create_chat(alice, room, title="other")
    bobs = uploaded(bob_client, chat.pk, "b.txt", b"b\n")
    elsewhere = uploaded(alice_client, other.pk, "o.txt", b"o\n")
    mine = uploaded(alice_client, chat.pk, "m.txt", b"m\n")
    for ids in ([bobs["id"]], [elsewhere["id"]], [mine["id"], mine["id"]], [987654]):
        response = send(alice_client, chat.pk, ids, cid="x")
        assert response.status_code == 400, ids
        assert response.json()["error"]["field"] == "attachments"
    assert not Message.objects.exists()

    assert send(alice_client, chat.pk, [mine["id"]], cid="first").status_code == 201
    again = send(alice_client, chat.pk, [mine["id"]], cid="second")  # already sent
    assert again.status_code == 400
    resend = send(alice_client, chat.pk, [mine["id"]], cid="first")  # the same send again
    assert resend.status_code == 200 and resend.json()["duplicate"] is True

    settings.FILES_MAX_PER_MESSAGE = 2
    ids = [uploaded(alice_client, chat.pk, f"{i}.txt", b"x")["id"] for i in range(3)]
    too_many = send(alice_client, chat.pk, ids, cid="many")
    assert too_many.status_code == 400
    assert "at most 2 files" in too_many.json()["error"]["message"]


def test_a_message_of_files_alone_may_have_no_text_but_one_of_nothing_may_not(alice_client, chat):
    assert send(alice_client, chat.pk, [], body=" ").status_code == 400
    attachment = uploaded(alice_client, chat.pk, "a.txt", b"x")
    response = send(alice_client, chat.pk, [attachment["id"]], body="")
    assert response.status_code == 201
    assert response.json()["message"]["body"] == ""


@pytest.mark.django_db(transaction=True)
async def test_the_send_frame_carries_attachments_and_members_sockets_see_them(alice, bob, chat):
    alices, _, _ = await open_socket(alice)
    bobs, _, _ = await open_socket(bob)
    attachment = await database_sync_to_async(uploaded)(alices.client, chat.pk, "a.png", png())
    frame = {"conversation": chat.pk, "client_id": "s1", "body": "look"}

    refused = await alices.request(type="send", **frame, attachments=["x"])
    ack = await alices.request(type="send", **frame, attachments=[attachment["id"]])

    assert refused["type"] == "error" and refused["code"] == "invalid"
    assert ack["type"] == "ack"
    [event] = await bobs.receive_sequenced()
    message = validate_as(event["message"], MessageData)
    assert message["attachments"] == [attachment]
    assert attachment["thumbnail_url"] == f"/files/{attachment['id']}/thumbnail"


def test_orphan_uploads_are_swept_after_a_day_with_their_files(
    alice_client, chat, settings, django_capture_on_commit_callbacks
):
    orphan = uploaded(alice_client, chat.pk, "old.png", png(), "image/png")
    kept = uploaded(alice_client, chat.pk, "sent.txt", b"x")
    fresh = uploaded(alice_client, chat.pk, "new.txt", b"y")
    send(alice_client, chat.pk, [kept["id"]])
    Attachment.objects.filter(pk__in=[orphan["id"], kept["id"]]).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    assert len(stored_files(settings)) == 4  # three files and a thumbnail

    with django_capture_on_commit_callbacks(execute=True):  # files go after the commit
        call_command("delete_orphan_files", stdout=io.StringIO())

    assert set(Attachment.objects.values_list("pk", flat=True)) == {kept["id"], fresh["id"]}
    assert len(stored_files(settings)) == 2
    assert alice_client.get(orphan["url"]).status_code == 404


def test_x_accel_redirect_hands_the_bytes_to_the_proxy_after_the_check(
    alice_client, outsider_client, chat, settings
):
    settings.FILES_ACCEL_REDIRECT_PREFIX = "/protected-files/"
    attachment = uploaded(alice_client, chat.pk, "a.txt", b"x")
    response = alice_client.get(attachment["url"])
    stored = Attachment.objects.get(pk=attachment["id"]).path
    assert response["X-Accel-Redirect"] == f"/protected-files/{stored}"
    assert response.content == b""
    assert response["Content-Disposition"] == 'attachment; filename="a.txt"'
    assert "X-Accel-Redirect" not in outsider_client.get(attachment["url"])


def test_search_finds_files_by_kind_and_by_name(alice_client, bob, chat):
    from parley.search.selectors import search_messages

    image = uploaded(alice_client, chat.pk, "holiday.png", png(), "image/png")
    report = uploaded(alice_client, chat.pk, "Quarterly-Report.pdf", PDF, "application/pdf")
    send(alice_client, chat.pk, [image["id"]], body="", cid="i")
    send(alice_client, chat.pk, [report["id"]], body="numbers", cid="r")
    send(alice_client, chat.pk, [], body="plain words", cid="p")

    def found(query: str) -> list[str]:
        page = search_messages(bob, query)
        return sorted(r.message.client_id for r in page.results)

    assert found("has:attachment") == ["i", "r"]
    assert found("has:image") == ["i"]
    assert found("quarterly") == ["r"]
    assert found("holiday has:image") == ["i"]
    assert found("has:attachment -quarterly") == ["i"]


def test_a_script_downloads_a_file_with_its_token(alice_client, bob, carol, chat):
    from parley.api.tests.test_conversations import token_client

    attachment = uploaded(alice_client, chat.pk, "data.csv", b"a,b\n1,2\n")
    send(alice_client, chat.pk, [attachment["id"]])
    url = f"/api/v1/attachments/{attachment['id']}/download"
    response = token_client(bob).get(url)
    assert response.status_code == 200
    assert content(response) == b"a,b\n1,2\n"
    assert response["Content-Disposition"] == 'attachment; filename="data.csv"'
    refused = token_client(carol).get(url)
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"
