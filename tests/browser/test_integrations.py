"""A room admin links a GitHub repository in a real browser: the set-up page by its labels,
the webhook address and the secret shown once, then a delivery shows in the log. With
PARLEY_SCREENSHOTS=1 the pages' pictures replace docs/integrations-github-*.png."""

import hashlib
import hmac
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from parley.accounts.models import User
from parley.core.testing.clients import client_for
from parley.core.testing.jobs import run_due_jobs
from parley.integrations.github.tests.fixtures import delivery
from parley.integrations.models import GitHubLink
from parley.messaging.actions.rooms import check_create_room

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(new_page: Callable[[], Page], site_url: str, user: User) -> Page:
    page = new_page()
    session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}]
    )
    return page


def deliver_ping(link: GitHubLink) -> None:
    captured = delivery("ping")
    signature = hmac.new(link.secret().encode(), captured.body, hashlib.sha256).hexdigest()
    Client(
        headers={
            "X-GitHub-Event": "ping",
            "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "X-Hub-Signature-256": f"sha256={signature}",
        }
    ).post(f"/integrations/github/{link.key}/", captured.body, content_type="application/json")
    run_due_jobs()


def test_an_admin_links_a_repository_and_sees_its_deliveries(
    new_page: Callable[[], Page], site_url: str, alice: User, tmp_path: Path
) -> None:
    room = check_create_room(alice, title="Backend")
    folder = Path("docs") if os.environ.get("PARLEY_SCREENSHOTS") else tmp_path
    page = signed_in(new_page, site_url, alice)
    page.set_viewport_size({"width": 1024, "height": 900})

    page.goto(f"/rooms/{room.slug}/settings/")
    page.get_by_role("link", name="GitHub").click()
    expect(page.get_by_role("heading", name="GitHub", exact=True)).to_be_visible()
    page.get_by_label("Repository").fill("octo-org/backend")
    page.get_by_label("Pushes", exact=True).check()
    page.get_by_label("Branches").fill("main release/*")
    page.screenshot(path=folder / "integrations-github-new.png", full_page=True)
    page.get_by_role("button", name="Link repository").click()

    link = GitHubLink.objects.get()
    expect(page.get_by_role("heading", name="octo-org/backend")).to_be_visible()
    expect(page.get_by_label("Payload URL")).to_have_value(
        re.compile(rf"/integrations/github/{link.key}/$")
    )
    expect(page.get_by_label("Secret")).to_have_value(link.secret())

    # GitHub's ping, and the job that posts it, away from Playwright's event loop.
    with ThreadPoolExecutor(1) as other_thread:
        other_thread.submit(deliver_ping, link).result()

    page.goto(f"/rooms/{room.slug}/settings/github/{link.pk}/")
    expect(page.get_by_label("Secret")).to_have_count(0)  # shown once
    expect(page.get_by_role("cell", name="posted")).to_be_visible()
    page.screenshot(path=folder / "integrations-github-link.png", full_page=True)


def post_to_slack_webhook(url: str) -> None:
    Client().post(url, {"text": "Deploy of *api* finished :white_check_mark:"}, "application/json")


def test_an_admin_makes_a_slack_compatible_webhook_that_tools_post_to(
    new_page: Callable[[], Page], site_url: str, alice: User, tmp_path: Path
) -> None:
    room = check_create_room(alice, title="Ops")
    folder = Path("docs") if os.environ.get("PARLEY_SCREENSHOTS") else tmp_path
    page = signed_in(new_page, site_url, alice)
    page.set_viewport_size({"width": 1024, "height": 900})

    page.goto(f"/rooms/{room.slug}/settings/")
    page.get_by_role("link", name="Slack-compatible webhooks").click()
    page.get_by_label("Name").fill("CI")
    page.screenshot(path=folder / "integrations-slack-new.png", full_page=True)
    page.get_by_role("button", name="Create webhook").click()

    url = page.get_by_label("Webhook URL").input_value()
    assert re.search(r"/integrations/slack/[^/]+/$", url)
    with ThreadPoolExecutor(1) as other_thread:
        other_thread.submit(post_to_slack_webhook, url.removeprefix(site_url)).result()
    page.screenshot(path=folder / "integrations-slack-webhook.png", full_page=True)
    page.goto(f"/chat/{room.chats.get().pk}/")
    expect(page.locator(".ch-msg-body").filter(has_text="Deploy of")).to_contain_text("✅")
