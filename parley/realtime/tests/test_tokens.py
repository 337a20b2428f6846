"""Scripts and bots on the socket: an API token in the handshake signs them in; a
revoked token closes its sockets within a second; a read-only token only reads."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from parley.accounts.actions.tokens import check_create_api_token, check_revoke_api_token
from parley.core.testing.sockets import open_socket
from parley.realtime.tests.test_sessions import closed_with

pytestmark = pytest.mark.django_db(transaction=True)


async def token_of(user, scope: str = "write") -> tuple[int, str]:
    token, text = await database_sync_to_async(check_create_api_token)(
        user, name="bot", scope=scope, expires_in_days=None
    )
    return token.pk, text


async def test_a_token_signs_a_socket_in_without_a_cookie_or_origin(room, chat, alice, bob):
    _, text = await token_of(bob)
    script, accepted, _ = await open_socket(bob, token=text)
    sender, _, _ = await open_socket(alice)

    assert accepted and script.hello["user"]["username"] == "bob"
    ack = await script.request(type="send", conversation=chat.pk, client_id="s1", body="beep")
    assert ack["type"] == "ack"
    assert (await sender.receive())["message"]["body"] == "beep"
    await sender.close()
    await script.close()


@pytest.mark.parametrize("header", ["parley_pat_" + "x" * 44, "not-a-token"])
async def test_a_bad_token_is_refused_even_beside_a_valid_cookie(room, bob, header):

    client = await database_sync_to_async(Client)()
    await database_sync_to_async(client.force_login)(bob)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    headers = [
        (b"host", b"testserver"),
        (b"origin", b"http://testserver"),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
        (b"authorization", f"Bearer {header}".encode()),
    ]
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, code = await communicator.connect(timeout=2)

    if connected:  # accepted, then told why and closed
        while (output := await communicator.receive_output(timeout=2))["type"] != "websocket.close":
            pass
        code = output["code"]
    assert code == 4401


async def test_revoking_a_token_closes_its_sockets_within_a_second(room, chat, bob):
    token_id, text = await token_of(bob)
    script, _, _ = await open_socket(bob, token=text)
    browser, _, _ = await open_socket(bob)

    await database_sync_to_async(check_revoke_api_token)(bob, token_id)

    assert await closed_with(script) == 4001
    _, accepted, code = await open_socket(bob, token=text)
    assert not accepted and code == 4401
    ack = await browser.request(type="send", conversation=chat.pk, client_id="b1", body="hi")
    assert ack["type"] == "ack"  # the browser's own login is untouched
    await browser.close()


async def test_a_read_only_token_reads_but_does_not_write(room, chat, alice, bob):
    _, text = await token_of(bob, scope="read")
    script, accepted, _ = await open_socket(bob, token=text)
    sender, _, _ = await open_socket(alice)

    refused = await script.request(type="send", conversation=chat.pk, client_id="r", body="no")
    typing = await script.request(type="typing", conversation=chat.pk, state="start")
    await sender.request(type="send", conversation=chat.pk, client_id="a1", body="hello")

    assert accepted
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    assert typing["type"] == "error" and typing["code"] == "forbidden"
    assert (await script.receive())["message"]["body"] == "hello"  # it still hears
    page = await script.request(type="history", conversation=chat.pk)
    assert [m["body"] for m in page["messages"]] == ["hello"]
    await sender.close()
    await script.close()
