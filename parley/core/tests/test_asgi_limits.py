"""Request bodies on a real uvicorn server (parley/core/asgi_limits.py), spoken to over
raw sockets: too large (declared, chunked), trickling, lying about their length."""

import asyncio
import json
import time
from collections.abc import Iterator

import pytest

from parley.core.testing.servers import uvicorn_servers

pytestmark = pytest.mark.django_db(transaction=True)
LIMIT = 64 * 1024
FILE_LIMIT = 200_000
UPLOAD = "/api/v1/conversations/1/attachments"


@pytest.fixture(scope="module")
def port(django_db_setup, django_db_blocker) -> Iterator[int]:
    """A server with a 64 KiB body limit, a 1 s body timeout and 200 kB files."""
    env = {
        "HTTP_MAX_BODY_BYTES": str(LIMIT),
        "HTTP_BODY_TIMEOUT_SECONDS": "1",
        "FILES_MAX_BYTES": str(FILE_LIMIT),
    }
    with django_db_blocker.unblock(), uvicorn_servers(1, environ=env) as [port]:
        yield port


def head(path: str, **headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: testserver"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def exchange(port: int, *parts: bytes, pause: float = 0) -> tuple[int, dict[str, str], bytes]:
    """Send `parts` (`pause` seconds apart) while reading the answer, which may come
    before everything is sent: its status, headers and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def write() -> None:
        try:
            for part in parts:
                writer.write(part)
                await writer.drain()
                if pause:
                    await asyncio.sleep(pause)  # the client's pace, not synchronisation
        except ConnectionError:
            pass  # the server answered and closed first

    writing = asyncio.create_task(write())
    try:
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        length = int(raw.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        raw += await asyncio.wait_for(reader.readexactly(length), timeout=10)
    finally:
        writing.cancel()  # the rest is not needed
        writer.close()
    header, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = header.decode().split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines)
    return int(status_line.split()[1]), fields, body


async def test_a_declared_length_over_the_limit_is_413_before_the_body(port):
    sent = head(
        "/api/v1/messages/preview", Content_Length=str(LIMIT + 1), Content_Type="application/json"
    )
    started = time.monotonic()
    status, headers, body = await exchange(port, sent)  # no body at all

    assert status == 413
    assert time.monotonic() - started < 1  # not waiting for the body
    assert json.loads(body)["error"]["code"] == "too_large"
    assert headers["connection"] == "close"


async def test_a_page_gets_413_too(port):
    status, headers, _ = await exchange(port, head("/rooms/new/", Content_Length="99999999999"))
    assert status == 413
    assert headers["content-type"].startswith("text/plain")


async def test_a_chunked_body_is_refused_once_over_the_limit(port):
    chunk = b"x" * 16384
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    parts = [
        head("/api/v1/messages/preview", Transfer_Encoding="chunked"),
        *[framed] * 8,
        b"0\r\n\r\n",
    ]
    # Paced, so that the server has read all that was sent when it answers and closes
    # (a close with unread data resets the connection, and the answer can be lost).
    status, _, body = await exchange(port, *parts, pause=0.05)

    assert status == 413
    assert json.loads(body)["error"]["code"] == "too_large"


async def test_a_body_shorter_than_its_length_times_out_with_408(port):
    sent = head("/api/v1/messages/preview", Content_Length="1000", Content_Type="application/json")
    status, _, body = await exchange(port, sent + b'{"body": "')

    assert status == 408
    assert json.loads(body)["error"]["code"] == "timeout"


async def test_a_trickling_body_times_out_with_408(port):
    sent = head("/login/", Content_Length="40", Content_Type="application/x-www-form-urlencoded")
    started = time.monotonic()
    status, _, _ = await exchange(port, sent, *[b"a=1&"] * 10, pause=0.2)

    assert status == 408
    assert 1 <= time.monotonic() - started < 5


async def test_a_body_within_the_limits_reaches_parley(port):
    payload = json.dumps({"body": "x" * 1000}).encode()
    sent = head(
        "/api/v1/messages/preview",
        Content_Length=str(len(payload)),
        Content_Type="application/json",
    )
    status, _, body = await exchange(port, sent + payload)

    assert status == 403  # Parley's own answer: no CSRF token
    assert json.loads(body)["error"]["code"] == "forbidden"


async def test_an_upload_declared_over_the_file_limit_is_413_before_the_body(port):
    sent = head(UPLOAD, Content_Length=str(FILE_LIMIT + 16 * 1024 + 1))
    started = time.monotonic()
    status, headers, body = await exchange(port, sent)  # no body at all

    assert status == 413
    assert time.monotonic() - started < 1
    assert json.loads(body)["error"] == {
        "code": "too_large",
        "message": "A file may be at most 0.190735 MB.",
    }
    assert headers["connection"] == "close"


async def test_an_upload_may_be_larger_than_other_bodies(port):
    boundary = "b0undary"
    payload = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"x" * 100_000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    sent = head(
        UPLOAD,
        Content_Length=str(len(payload)),
        Content_Type=f"multipart/form-data; boundary={boundary}",
    )
    status, _, body = await exchange(port, sent + payload)

    assert len(payload) > LIMIT
    assert status == 403  # past the body limits: Parley's own answer, no CSRF token
    assert json.loads(body)["error"]["code"] == "forbidden"
