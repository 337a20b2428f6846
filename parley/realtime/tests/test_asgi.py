"""The WebSocket application (parley/realtime/asgi.py): origin, authentication, routing."""

from typing import Any, ClassVar

import pytest
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings

from parley.accounts.models import User
from parley.core.testing.sockets import open_socket, signed_in_client
from parley.realtime import asgi

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
HOST = (b"host", b"testserver")


class ScopeKeeper(AsyncWebsocketConsumer):
    """Accepts every socket and keeps the scope it was given."""

    channel_layer_alias = "parley.fanout"  # no channel-layer channel
    scopes: ClassVar[list[dict[str, Any]]] = []

    async def connect(self) -> None:
        self.scopes.append(self.scope)
        await self.accept()


@pytest.fixture
def keeper(monkeypatch):
    """/ws/ served by ScopeKeeper; returns the scopes it saw."""
    monkeypatch.setattr(asgi, "websocket_routes", {"/ws/": ScopeKeeper})
    ScopeKeeper.scopes = []
    return ScopeKeeper.scopes


async def session_cookie(user: Any) -> tuple[bytes, bytes]:
    client = await database_sync_to_async(signed_in_client)(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())


async def connect(app: Any, headers: list[tuple[bytes, bytes]], path: str = "/ws/") -> Any:
    """A handshake with `headers`, and Host: testserver unless they have a Host."""
    if not any(name == b"host" for name, _ in headers):
        headers = [HOST, *headers]
    communicator = WebsocketCommunicator(app, path, headers=headers)
    connected, _ = await communicator.connect()
    return communicator, connected


async def test_the_consumer_gets_the_servers_scope_with_the_user_itself(keeper, alice):
    cookie = await session_cookie(alice)
    communicator, connected = await connect(asgi.WebSocketApplication(), [ORIGIN, cookie])

    assert connected
    [scope] = keeper
    assert scope is communicator.scope  # one scope: no copies per layer
    assert type(scope["user"]) is User
    assert scope["user"].pk == alice.pk
    assert scope["session"].session_key == cookie[1].decode().split("=", 1)[1]
    await communicator.disconnect()


@pytest.mark.parametrize(
    "origin",
    [
        None,
        b"http://evil.example",
        b"http://testserver:8080",
        b"https://testserver",
        b"http://testserver.evil.example",
        # Malformed: refused the same way, not an exception (a 500).
        b"http://127.0.0.1:8000.evil.example",
        b"http://testserver:abc",
        b"http://testserver:99999",
        b"http://[::1",
        b"http://testserver:-1",
        b"null",
        b"",
    ],
)
async def test_another_origin_is_closed_with_4403_and_a_reason(keeper, alice, origin, caplog):
    headers = [await session_cookie(alice)]
    if origin is not None:
        headers.append((b"origin", origin))
    communicator, connected = await connect(asgi.WebSocketApplication(), headers)

    # Accepted only to say why: a browser cannot see a 403, and would retry forever.
    assert connected
    closed = await communicator.receive_output()
    assert closed == {
        "type": "websocket.close",
        "code": 4403,
        "reason": "origin not allowed: add it to WEBSOCKET_ALLOWED_ORIGINS",
    }
    assert keeper == []  # the consumer never ran
    assert "WEBSOCKET_ALLOWED_ORIGINS" in caplog.text
    if origin:
        assert repr(origin.decode())[1:-1] in caplog.text


@pytest.mark.parametrize(
    ("host", "origin", "allowed"),
    [
        (b"127.0.0.1:8101", b"http://127.0.0.1:8101", True),
        (b"localhost:9000", b"http://localhost:9000", True),
        (b"127.0.0.1:8101", b"http://127.0.0.1:8102", False),  # another port
        (b"127.0.0.1:8101", b"https://127.0.0.1:8101", False),  # another scheme
        (b"127.0.0.1:8101", b"http://evil.example:8101", False),
        (b"127.0.0.1:8101", b"http://127.0.0.1:abc", False),
        (b"evil.example:8101", b"http://evil.example:8101", False),  # not in ALLOWED_HOSTS
    ],
)
async def test_in_development_the_origin_the_page_is_served_on_is_allowed(
    keeper, alice, settings, host, origin, allowed
):
    settings.DEBUG = True
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["http://127.0.0.1:8000"]
    headers = [(b"host", host), (b"origin", origin), await session_cookie(alice)]
    communicator, connected = await connect(asgi.WebSocketApplication(), headers)

    assert len(keeper) == (1 if allowed else 0)
    if connected and not allowed:
        assert (await communicator.receive_output())["code"] == 4403
    await communicator.disconnect()


async def test_outside_development_only_the_listed_origins_are_allowed(keeper, alice, settings):
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["http://127.0.0.1:8000"]
    headers = [(b"host", b"127.0.0.1:8101"), (b"origin", b"http://127.0.0.1:8101")]
    communicator, _ = await connect(
        asgi.WebSocketApplication(), [*headers, await session_cookie(alice)]
    )

    assert (await communicator.receive_output())["code"] == 4403
    assert keeper == []


@pytest.mark.parametrize(
    "host",
    [b"evil.example", b"testserver.evil.example", b"testserver:abc", b"", b"[::1", b"a\x00b", None],
)
async def test_a_host_outside_allowed_hosts_is_refused_before_accept(keeper, alice, host, caplog):
    # None: two Host headers, an allowed one first.
    hosts = [HOST, (b"host", b"evil.example")] if host is None else [(b"host", host)]
    headers = [*hosts, ORIGIN, await session_cookie(alice)]
    _, connected = await connect(asgi.WebSocketApplication(), headers)

    assert not connected  # closed before accept: the server answers HTTP 403
    assert keeper == []
    assert "refused a WebSocket" in caplog.text


async def test_allowed_hosts_are_accepted_with_a_port_and_without_a_host_header(keeper, alice):
    server = {"server": ("127.0.0.1", 8000)}
    for headers, scope in (([(b"host", b"localhost:8000"), ORIGIN], {}), ([ORIGIN], server)):
        communicator = WebsocketCommunicator(asgi.WebSocketApplication(), "/ws/", headers)
        communicator.scope.update(scope)
        connected, _ = await communicator.connect()
        assert connected
        await communicator.disconnect()
    assert len(keeper) == 2


async def test_no_or_a_bad_session_cookie_means_anonymous(keeper, alice):
    name = settings.SESSION_COOKIE_NAME.encode()
    for headers in (
        [ORIGIN],
        [ORIGIN, (b"cookie", b"other=1")],
        [ORIGIN, (b"cookie", name + b"=nosuchsession")],
    ):
        communicator, connected = await connect(asgi.WebSocketApplication(), headers)
        assert connected
        await communicator.disconnect()

    assert [scope["user"].is_authenticated for scope in keeper] == [False, False, False]
    assert all(scope["session"].session_key is None for scope in keeper)


async def test_a_socket_with_an_ended_or_unknown_session_is_closed_with_4401(room, alice):
    client = await database_sync_to_async(signed_in_client)(alice)
    ended = client.cookies[settings.SESSION_COOKIE_NAME].value
    await database_sync_to_async(client.post)("/logout/")

    for key in (ended, "nosuchsession"):
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        _, connected, code = await open_socket(None, client=client)
        assert not connected
        assert code == 4401


async def test_another_authenticator_can_sign_a_socket_in(keeper, alice, bob):
    async def bob_by_header(scope: dict[str, Any]) -> Any:
        if (b"x-test-user", b"bob") in scope["headers"]:
            return await User.objects.aget(pk=bob.pk)
        return None

    app = asgi.WebSocketApplication([bob_by_header, *asgi.AUTHENTICATORS])
    cookie = await session_cookie(alice)
    for headers in ([ORIGIN, (b"x-test-user", b"bob")], [ORIGIN, cookie]):
        communicator, connected = await connect(app, headers)
        assert connected
        await communicator.disconnect()

    assert [scope["user"].username for scope in keeper] == [bob.username, alice.username]
    assert "session" not in keeper[0]  # the session authenticator was not needed


async def test_a_real_server_answers_403_to_a_bad_host_and_4403_to_a_bad_origin(alice):
    """Through uvicorn and Parley's WebSocket protocol: a bad host is refused with HTTP
    403, a bad or malformed origin closed with 4403 and its reason, not a 500 or a
    dropped connection; the right host and origin still get in."""
    from websockets.asyncio.client import connect as ws_connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    from parley.core.testing.servers import uvicorn_servers

    cases = [
        ("evil.example", "http://testserver"),
        ("testserver.evil.example", "http://testserver"),
    ]
    with uvicorn_servers(1) as [port]:
        for origin in ("http://127.0.0.1:8000.evil.example", "http://testserver:abc"):
            async with ws_connect(
                f"ws://127.0.0.1:{port}/ws/",
                origin=origin,  # type: ignore[arg-type]
                open_timeout=10,
            ) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    await ws.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4403, origin
            assert "WEBSOCKET_ALLOWED_ORIGINS" in closed.value.rcvd.reason
        for host, origin in cases:
            with pytest.raises(InvalidStatus) as refused:
                await ws_connect(
                    f"ws://{host}/ws/",  # the Host header; the socket goes to the server
                    host="127.0.0.1",
                    port=port,
                    origin=origin,  # type: ignore[arg-type]
                    open_timeout=10,
                )
            assert refused.value.response.status_code == 403, (host, origin)
        async with ws_connect(
            f"ws://127.0.0.1:{port}/ws/",
            origin="http://testserver",  # type: ignore[arg-type]
            open_timeout=10,
        ) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401  # anonymous: accepted, then told to sign in
