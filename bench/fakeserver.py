"""A stand-in for Parley with no Django, no database and no channel layer: the floor.

A bare ASGI app served by the same uvicorn (uvloop, httptools, same WebSocket settings)
that speaks just enough of the protocol for bench.loadgen: /login/ hands out a session
cookie naming the user, /ws/ says hello with the user's conversations from the manifest,
acks each send at once and fans the message out to the members' sockets, serialised once.

It answers two questions: can the load generator measure the targets at all (if it cannot
keep up with this server, no figure above its ceiling means anything), and what do
uvicorn's WebSocket framing and permessage-deflate alone cost per delivery on one core.

    MANIFEST=var/bench/manifest-sqlite.json uvicorn bench.fakeserver:app --port 8765
"""

import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class FakeParley:
    def __init__(self, manifest_path: str) -> None:
        manifest = json.loads(Path(manifest_path).read_text())
        self.users = {name: uid for uid, name in manifest["users"]}
        self.names = {uid: name for uid, name in manifest["users"]}
        self.member_of: dict[int, list[int]] = {}
        for entry in [*manifest["rooms"], *manifest["dms"]]:
            members = entry.get("members") or entry["users"]
            for uid in members:
                self.member_of.setdefault(uid, []).append(entry["conversation"])
        self.last_seq: dict[int, int] = {}
        self.sockets: dict[int, set[Send]] = {}  # conversation -> the members' send callables
        self.next_id = 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self.websocket(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers: list[tuple[bytes, bytes]] = [(b"content-type", b"text/html")]
        status = 200
        if scope["method"] == "POST" and scope["path"] == "/login/":
            username = parse_qs(body.decode()).get("username", [""])[0]
            if username not in self.users:
                status = 400
            else:
                status = 302
                headers += [(b"location", b"/"), (b"set-cookie", f"sessionid={username}".encode())]
        elif scope["path"] == "/login/":
            headers.append((b"set-cookie", b"csrftoken=fake"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        cookies = dict(
            part.strip().split("=", 1)
            for name, value in scope["headers"]
            if name == b"cookie"
            for part in value.decode().split(";")
            if "=" in part
        )
        user_id = self.users.get(cookies.get("sessionid", ""))
        await receive()  # websocket.connect
        if user_id is None:
            await send({"type": "websocket.close", "code": 4401})
            return
        await send({"type": "websocket.accept"})
        conversations = self.member_of.get(user_id, [])
        for conversation in conversations:
            self.sockets.setdefault(conversation, set()).add(send)
        summaries = [{"id": c, "last_seq": self.last_seq.get(c, 0)} for c in conversations]
        hello = {"type": "hello", "conversations": summaries}
        await send({"type": "websocket.send", "text": _dumps(hello)})
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                frame = json.loads(message.get("text") or "{}")
                if frame.get("type") == "send":
                    await self.deliver(user_id, frame, send)
                elif frame.get("type") == "resume":
                    resumed = {"type": "resumed", "ref": frame.get("ref"),
                               "conversations": frame.get("conversations", {})}  # fmt: skip
                    await send({"type": "websocket.send", "text": _dumps(resumed)})
        finally:
            for conversation in conversations:
                self.sockets.get(conversation, set()).discard(send)

    async def deliver(self, user_id: int, frame: dict[str, Any], send: Send) -> None:
        conversation = frame["conversation"]
        seq = self.last_seq[conversation] = self.last_seq.get(conversation, 0) + 1
        message_id, self.next_id = self.next_id, self.next_id + 1
        ack = {
            "type": "ack",
            "ref": frame.get("ref"),
            "client_id": frame["client_id"],
            "conversation": conversation,
            "id": message_id,
            "seq": seq,
            "duplicate": False,
        }
        await send({"type": "websocket.send", "text": _dumps(ack)})
        name = self.names[user_id]
        event = {
            "type": "message",
            "conversation": conversation,
            "seq": seq,
            "message": {
                "id": message_id, "conversation": conversation, "seq": seq,
                "sender": {"id": user_id, "username": name, "name": name, "avatar": None},
                "client_id": frame["client_id"], "body": frame["body"],
                "html": f"<p>{frame['body']}</p>", "created_at": time.time(),
            },
        }  # fmt: skip
        out = {"type": "websocket.send", "text": _dumps(event)}
        for member in list(self.sockets.get(conversation, ())):
            try:
                await member(out)
            except Exception:  # noqa: S112 - that socket closed meanwhile
                continue


_app: FakeParley | None = None


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI entry point; reads the manifest named by $MANIFEST on first use."""
    global _app
    if _app is None:
        _app = FakeParley(os.environ.get("MANIFEST", "var/bench/manifest-sqlite.json"))
    await _app(scope, receive, send)
