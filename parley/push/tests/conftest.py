"""A push service on loopback and browsers to subscribe to it.

PushService is a real HTTP server on 127.0.0.1 that takes pushes as a push service does
(RFC 8030: POST, 201 Created) or answers as a test tells it (410 Gone, 503...), and records
each request. Browser makes what a browser's PushManager makes: a P-256 key pair and a
16-byte auth secret, of which the server is given the public half; it decrypts what the
push service received (RFC 8291, aes128gcm, with http_ece) exactly as the browser would.
"""

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from parley.messaging.actions.direct import check_direct_conversation
from parley.messaging.actions.rooms import check_create_room, check_join_room
from parley.push.vapid import b64url


class PushService:
    """An HTTP server on 127.0.0.1 that records each request and answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: dict[str, list[int]] = {}  # per browser: statuses in turn; then 201
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with service.lock:
                    service.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    waiting = service.answers.get(self.path.removeprefix("/push/"), [])
                    status = waiting.pop(0) if waiting else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def received(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"] == f"/push/{name}"]


class Browser:
    """A browser's side of one subscription: its keys, and the decryption of a push."""

    def __init__(self, service: PushService, name: str) -> None:
        self.name = name
        self.endpoint = service.endpoint(name)
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.subscription = {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        """The payload of a push body, decrypted with this browser's private key."""
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        data: dict[str, Any] = json.loads(plain)
        return data


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    """The stub is on loopback, which the outgoing client refuses unless allowed."""
    settings.OUTGOING_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def subscribe(user: Any, browser: Browser, client: Client | None = None) -> dict[str, Any]:
    """Subscribe `browser` for `user` through the API, as notify.js does."""
    if client is None:
        client = Client()
        client.force_login(user)
    response = client.post(
        "/api/v1/push/subscriptions",
        browser.subscription,
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36",
    )
    assert response.status_code in (200, 201), response.content
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture
def room(alice, bob):
    """A public room "Team" owned by alice, with bob as a member."""
    room = check_create_room(alice, title="Team")
    check_join_room(bob, room)
    return room


@pytest.fixture
def chat(room):
    return room.chats.get(is_default=True)


@pytest.fixture
def direct(alice, bob, room):
    return check_direct_conversation(alice, bob.pk)
