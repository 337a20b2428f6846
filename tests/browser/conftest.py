"""Fixtures for the browser tests: Debian's chromium driven by Playwright's sync API.

Playwright's browser download does not work here, so the tests launch the system
chromium (PARLEY_CHROMIUM, or `chromium` on PATH). A missing browser is a failure,
never a skip: a skipped browser test would hide a broken install.

Pages are served by pytest-django's live_server (WSGI, in a thread) unless a test module
overrides `site_url`; pages that open the WebSocket need `asgi_live_server` instead.
"""

import multiprocessing
import os
import shutil
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from django.db import connection, connections
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    WebSocket,
    expect,
    sync_playwright,
)
from playwright.sync_api import (
    Error as PlaywrightError,
)

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXPECT_TIMEOUT_MS = 10_000
ACTION_TIMEOUT_MS = 15_000
TRACE_LINES = 60  # of each page, printed when a test fails

_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Keep each phase's report on the item, so fixtures can tell a failed test."""
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> Path:
    """Uploaded photos go to a throwaway folder, never to var/."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an asyncio event loop in the test thread, which makes
    Django refuse ORM calls made from that thread (the test's own setup and asserts).

    Set for the browser tests only, not at import: the variable would otherwise leak
    into the rest of the session, and `manage.py check --deploy` run by other tests
    fails on it (async.E001).
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = os.environ.get("PARLEY_CHROMIUM") or shutil.which("chromium")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(
            "Browser tests need chromium, and none was found "
            f"(PARLEY_CHROMIUM={os.environ.get('PARLEY_CHROMIUM')!r}, `chromium` on PATH: "
            f"{shutil.which('chromium')!r}). Install it with `apt-get install chromium` "
            "(scripts/system-deps.sh browser) or point PARLEY_CHROMIUM at a chromium binary.",
            pytrace=False,
        )
    return path


@pytest.fixture
def chromium_args() -> list[str]:
    """Chromium's command line; a test module overrides this to add flags (the call tests
    add a fake camera and microphone)."""
    return CHROMIUM_ARGS


@pytest.fixture
def browser(
    chromium_executable: str, chromium_args: list[str], _allow_orm_beside_playwright: None
) -> Iterator[Browser]:
    # Function-scoped: the event loop Playwright leaves in this thread must not
    # outlive the browser tests and leak into the rest of the suite.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable, args=chromium_args, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()
                # While Playwright's loop runs, Django keeps this thread's connections in
                # separate, context-local storage, so ORM calls made by the test opened a
                # second connection that nothing else will close. Close it while that
                # storage is still the one in use; left open, it keeps SQLite's -wal and
                # -shm files (and a PostgreSQL session) alive past the test database.
                connections.close_all()
    finally:
        expect.set_options(timeout=5_000)  # Playwright's default


@dataclass(frozen=True)
class AsgiServer:
    url: str


def _serve_asgi(database_name: str, media_root: str, tell_port: Connection) -> None:
    """Runs in a process of its own: config.asgi:application under uvicorn, on a free port
    of 127.0.0.1, against the test database, taking WebSockets from its own origin."""
    # Spawned, not forked: nothing of the test process (Playwright's threads, open
    # database connections, asgiref's executors) is inherited half-alive. What it needs
    # comes as arguments; DATABASE_URL, REDIS_URL and the settings module from the
    # environment. The test's permission for ORM calls beside Playwright's loop must not
    # hide async-unsafe code in the server.
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import uvicorn
    from django.conf import settings

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    settings.DATABASES["default"]["NAME"] = database_name
    settings.MEDIA_ROOT = media_root
    # The WebSocket takes this server's own origin (parley/realtime/asgi.py reads it).
    settings.WEBSOCKET_ALLOWED_ORIGINS = [f"http://127.0.0.1:{port}"]
    from config.asgi import application

    server = uvicorn.Server(
        uvicorn.Config(
            application, lifespan="off", log_level="warning", timeout_graceful_shutdown=2
        )
    )
    tell_port.send(port)
    tell_port.close()
    server.run(sockets=[listener])


@contextmanager
def serving_asgi(
    tmp_path_factory: pytest.TempPathFactory, environment: dict[str, str] | None = None
) -> Iterator[AsgiServer]:
    """The ASGI server process of asgi_live_server; `environment`: variables set for its
    settings only (e.g. JANUS_URL for SFU calls)."""
    spawn = multiprocessing.get_context("spawn")
    receive_port, send_port = spawn.Pipe(duplex=False)
    process = spawn.Process(
        target=_serve_asgi,
        args=(
            connection.settings_dict["NAME"],
            str(tmp_path_factory.mktemp("asgi-media")),
            send_port,
        ),
        name="asgi-live-server",
        daemon=True,
    )
    # A spawned process takes the environment as it is at start().
    saved = {name: os.environ.get(name) for name in environment or {}}
    os.environ.update(environment or {})
    try:
        process.start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    send_port.close()
    try:
        if not receive_port.poll(60):
            raise EOFError
        port = receive_port.recv()
    except EOFError:
        process.kill()
        pytest.fail(f"The ASGI live server did not start (exit code {process.exitcode}).")
    try:
        yield AsgiServer(url=f"http://127.0.0.1:{port}")
    finally:
        process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()


@pytest.fixture(scope="session")
def asgi_live_server(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AsgiServer]:
    """The real ASGI application (HTTP and the /ws/ WebSocket) in a uvicorn process of its
    own, on the test database; like production, unlike the WSGI live_server.

    Tests that use it need committed data: django_db(transaction=True). Its channel layer
    is its own in-memory one (or the shared Redis): events published by the test process
    reach its sockets only through Redis, so set up data before opening pages.
    """
    # A closed page's presence lingers 2 s here, not 15: the tests see it go offline soon.
    with serving_asgi(tmp_path_factory, {"PRESENCE_LINGER_SECONDS": "2"}) as server:
        yield server


@pytest.fixture
def site_url(live_server) -> str:
    """Where the pages are served from; test modules whose pages need the WebSocket
    override it with asgi_live_server.url."""
    return live_server.url


@pytest.fixture
def new_page(
    browser: Browser, site_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Page]]:
    """Open a page in a fresh browser context: each call is a separate person.

    Server errors (HTTP 5xx) and uncaught page errors fail the test. When a test
    fails, each page's screenshot and HTML are saved under its tmp_path, and its last
    console messages and WebSocket frames are printed (CI keeps only the output).
    """
    contexts: list[BrowserContext] = []
    pages: list[Page] = []
    problems: list[str] = []
    traces: list[deque[str]] = []

    def trace(page: Page) -> None:
        lines: deque[str] = deque(maxlen=TRACE_LINES)
        traces.append(lines)
        started = time.monotonic()

        def note(text: str) -> None:
            lines.append(f"{time.monotonic() - started:7.2f} {text[:300]}")

        def watch(ws: WebSocket) -> None:
            note(f"websocket {ws.url}")
            ws.on("framesent", lambda payload: note(f"> {payload!s}"))
            ws.on("framereceived", lambda payload: note(f"< {payload!s}"))
            ws.on("close", lambda _: note("websocket closed"))

        page.on("console", lambda message: note(f"console.{message.type}: {message.text}"))
        page.on("websocket", watch)

    def open_page() -> Page:
        context = browser.new_context(base_url=site_url)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "response",
            lambda r: (
                problems.append(f"HTTP {r.status} for {r.request.method} {r.url}")
                if r.status >= 500
                else None
            ),
        )
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        trace(page)
        pages.append(page)
        return page

    yield open_page

    call = request.node.stash.get(_reports, {}).get("call")
    if call is not None and call.failed:
        for number, page in enumerate(pages, start=1):
            # The trace first: it needs nothing of the page, which may be closed or stuck.
            print(f"page {number}'s last console messages and frames:", *traces[number - 1],
                  sep="\n  ")  # fmt: skip
            if page.is_closed():
                continue
            shot = tmp_path / f"page-{number}.png"
            try:
                page.screenshot(path=shot, full_page=True)
                (tmp_path / f"page-{number}.html").write_text(page.content())
            except PlaywrightError as error:
                print(f"page {number} (at {page.url}): no screenshot: {error}")
                continue
            print(f"page {number} was at {page.url}; screenshot: {shot}")
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("The browser saw errors:\n" + "\n".join(problems), pytrace=False)
