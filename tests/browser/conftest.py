"""Fixtures for the browser tests: Debian's chromium driven by Playwright's sync API.

Playwright's browser download does not work here, so the tests launch the system
chromium (PARLEY_CHROMIUM, or `chromium` on PATH). A missing browser is a failure,
never a skip: a skipped browser test would hide a broken install.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

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
def browser(chromium_executable: str, _allow_orm_beside_playwright: None) -> Iterator[Browser]:
    # Function-scoped: the event loop Playwright leaves in this thread must not
    # outlive the browser tests and leak into the rest of the suite.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable, args=CHROMIUM_ARGS, headless=True
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


@pytest.fixture
def new_page(
    browser: Browser, live_server, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Page]]:
    """Open a page in a fresh browser context: each call is a separate person.

    Server errors (HTTP 5xx) and uncaught page errors fail the test. When a test
    fails, each page's screenshot and HTML are saved under its tmp_path.
    """
    contexts: list[BrowserContext] = []
    pages: list[Page] = []
    problems: list[str] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url)
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
        pages.append(page)
        return page

    yield open_page

    call = request.node.stash.get(_reports, {}).get("call")
    if call is not None and call.failed:
        for number, page in enumerate(pages, start=1):
            if page.is_closed():
                continue
            shot = tmp_path / f"page-{number}.png"
            page.screenshot(path=shot, full_page=True)
            (tmp_path / f"page-{number}.html").write_text(page.content())
            print(f"page {number} was at {page.url}; screenshot: {shot}")
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("The browser saw errors:\n" + "\n".join(problems), pytrace=False)
