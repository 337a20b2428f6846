"""The database away: every HTTP request that needs it gets 503 with Retry-After (JSON
under /api/, a page for browsers), session loading included, and the outage is logged
once, not once per request. No mocks: the database is really unreachable."""

import asyncio
import http.client
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.exceptions import ConnectionClosed

from parley.core.outage import bursts
from parley.core.testing.servers import connect_as, free_port, uvicorn_servers

pytestmark = pytest.mark.django_db(transaction=True)
COOKIE = f"{settings.SESSION_COOKIE_NAME}=abcdefghijklmnopqrstuvwxyz012345"


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": "testserver", **headers})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_a_server_whose_database_refuses_connections_answers_503():
    nothing_listens = f"postgres://postgres@127.0.0.1:{free_port()}/parley"
    with uvicorn_servers(1, environ={"DATABASE_URL": nothing_listens}) as [port]:
        api = get(port, "/api/v1/conversations", Cookie=COOKIE)  # the session must be read
        page = get(port, "/chat/", Cookie=COOKIE)
        login = get(port, "/login/")  # needs no database

    assert (api.status, api.getheader("Retry-After")) == (503, "5")
    assert api.getheader("Content-Type") == "application/json"
    assert (page.status, page.getheader("Retry-After")) == (503, "5")
    assert (page.getheader("Content-Type") or "").startswith("text/html")
    assert login.status == 200


def test_a_socket_opened_while_the_database_is_away_is_told_to_try_again():
    """Signing in needs the database: the handshake is accepted and closed with 1013
    ("try again later"), not refused with an HTTP 500 (a browser's 1006)."""
    nothing_listens = f"postgres://postgres@127.0.0.1:{free_port()}/parley"

    async def open_socket(port: int) -> int | None:
        async with connect_as(port, "abcdefghijklmnopqrstuvwxyz012345") as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), timeout=10)
            return ws.close_code

    with uvicorn_servers(1, environ={"DATABASE_URL": nothing_listens}) as [port]:
        code = asyncio.run(open_socket(port))

    assert code == 1013


@pytest.fixture
def database_away() -> Iterator[None]:
    """This process's connection pointed where no database is, then put back."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent/parley/db.sqlite3"
    else:
        connection.settings_dict["PORT"] = str(free_port())
    bursts.__init__()  # type: ignore[misc]  # a fresh outage for this test
    yield
    connection.close()
    connection.settings_dict.update(saved)


def test_an_outage_is_503_for_api_and_pages_and_logged_once(alice, database_away, caplog):
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefghijklmnopqrstuvwxyz012345"
    with caplog.at_level(logging.INFO):
        responses = [client.get(path) for path in ["/api/v1/conversations", "/chat/"] * 5]
        responses.append(client.get("/api/v1/search", {"q": "x"}))

    assert {r.status_code for r in responses} == {503}
    assert {r["Retry-After"] for r in responses} == {"5"}
    assert responses[0].json()["error"]["code"] == "unavailable"
    assert "cannot reach its database" in responses[1].content.decode()
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in errors] == ["parley.outage"]  # one line, no tracebacks
    assert errors[0].exc_info is None
