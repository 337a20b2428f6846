"""Private Janus and coturn servers for media tests, run from the repository's own
configs (deploy/janus, deploy/coturn) on free ports in a temporary directory, and torn
down after:

    with janus_server() as janus:      # janus.url, janus.api_secret
        ...
    with turn_server() as turn:        # turn.urls, turn.secret
        ...

Each start waits until the server answers (Janus's `info` over its WebSocket API, a STUN
binding over UDP), never a fixed time. The pytest fixtures `janus` and `coturn` wrap
them (module scope: one server per test module).
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from websockets.exceptions import InvalidHandshake, WebSocketException
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from parley.core.testing.servers import free_port

ROOT = Path(__file__).resolve().parents[3]
JANUS = shutil.which("janus") or "/usr/bin/janus"
TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"
START_SECONDS = 20.0


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _failed(what: str, log: Path) -> RuntimeError:
    return RuntimeError(f"{what}:\n{log.read_text(errors='replace')[-4000:]}")


@dataclass(frozen=True)
class JanusServer:
    url: str
    api_secret: str
    directory: Path


def _janus_libraries() -> str:
    """Where Debian put Janus's plugins on this machine (the configs name amd64's)."""
    found = sorted(Path("/usr/lib").glob("*/janus/plugins/libjanus_videoroom.so"))
    return str(found[0].parents[1]) if found else "/usr/lib/x86_64-linux-gnu/janus"


def _render_janus(directory: Path, api_secret: str, port: int) -> None:
    """The repository's Janus configs with this run's secret, folder and port."""
    libraries = _janus_libraries()
    for source in sorted((ROOT / "deploy" / "janus").glob("*.jcfg")):
        text = source.read_text().replace("${JANUS_API_SECRET}", api_secret)
        text = text.replace("/usr/lib/x86_64-linux-gnu/janus", libraries)
        text = re.sub(r'configs_folder = ".*"', f'configs_folder = "{directory}"', text)
        text = re.sub(r"ws_port = \d+", f"ws_port = {port}", text)
        (directory / source.name).write_text(text)


def _janus_answers(url: str, api_secret: str) -> bool:
    """Whether Janus at `url` answers `info` with the VideoRoom plugin loaded."""
    try:
        with connect(url, subprotocols=[Subprotocol("janus-protocol")], open_timeout=1) as ws:
            ws.send(json.dumps({"janus": "info", "transaction": "ready", "apisecret": api_secret}))
            reply = json.loads(ws.recv(timeout=2))
    except (OSError, TimeoutError, InvalidHandshake, WebSocketException):
        return False
    return "janus.plugin.videoroom" in reply.get("plugins", {})


@contextlib.contextmanager
def janus_server() -> Iterator[JanusServer]:
    """A private Janus (VideoRoom over WebSockets) on a free loopback port."""
    directory = Path(tempfile.mkdtemp(prefix="parley-janus-"))
    api_secret = secrets.token_urlsafe(24)
    port = free_port()
    _render_janus(directory, api_secret, port)
    log = directory / "janus.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (Debian's janus, our arguments)
            [
                JANUS,
                "-C",
                str(directory / "janus.jcfg"),
                "-F",
                str(directory),
                "--disable-colors",
                "--debug-level",
                "3",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = JanusServer(f"ws://127.0.0.1:{port}/", api_secret, directory)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _janus_answers(server.url, api_secret):
            if process.poll() is not None:
                raise _failed("janus exited", log)
            if time.monotonic() > deadline:
                raise _failed("janus did not answer", log)
            time.sleep(0.05)  # polling for readiness, not synchronising a test
        yield server
    finally:
        _stop(process)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass(frozen=True)
class TurnServer:
    host: str
    port: int
    secret: str
    directory: Path

    @property
    def urls(self) -> list[str]:
        return [f"turn:{self.host}:{self.port}?transport=udp"]


def _stun_answers(port: int) -> bool:
    """Whether a STUN binding request to 127.0.0.1:`port` (UDP) gets an answer."""
    request = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + secrets.token_bytes(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.sendto(request, ("127.0.0.1", port))
            reply, _ = sock.recvfrom(2048)
        except OSError:  # refused (nothing listens yet) or timed out
            return False
    return reply[8:20] == request[8:20]


@contextlib.contextmanager
def turn_server(*, loopback_peers: bool = True) -> Iterator[TurnServer]:
    """A private coturn from deploy/coturn/turnserver.conf on loopback: its own port and
    a random secret. `loopback_peers`: relay to 127.0.0.1 too (the repository's config
    denies it), since both ends of a test call are on this machine."""
    directory = Path(tempfile.mkdtemp(prefix="parley-turn-"))
    secret = secrets.token_urlsafe(24)
    port = free_port()
    relay = 40000 + secrets.randbelow(20) * 1000  # a range of its own, most likely
    config = (ROOT / "deploy" / "coturn" / "turnserver.conf").read_text()
    config = config.replace("${TURN_SECRET}", secret).replace("${TURN_REALM}", "parley.test")
    config = config.replace("\nsyslog\n", "\n")
    overrides = [
        f"listening-port={port}",
        "listening-ip=127.0.0.1",
        "relay-ip=127.0.0.1",
        f"min-port={relay}",
        f"max-port={relay + 999}",
        "no-tcp",
        f"userdb={directory / 'turndb'}",
        f"pidfile={directory / 'turnserver.pid'}",
        f"log-file={directory / 'turn.log'}",
        "no-stdout-log",
    ]
    if loopback_peers:
        overrides += ["allow-loopback-peers", "allowed-peer-ip=127.0.0.1"]
    (directory / "turnserver.conf").write_text(config + "\n".join(overrides) + "\n")
    log = directory / "turn.log"
    with (directory / "output.log").open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (Debian's turnserver, our arguments)
            [TURNSERVER, "-c", str(directory / "turnserver.conf")],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _stun_answers(port):
            if process.poll() is not None:
                raise _failed("turnserver exited", directory / "output.log")
            if time.monotonic() > deadline:
                raise _failed("turnserver did not answer", log)
            time.sleep(0.05)  # polling for readiness, not synchronising a test
        yield TurnServer("127.0.0.1", port, secret, directory)
    finally:
        _stop(process)
        shutil.rmtree(directory, ignore_errors=True)
