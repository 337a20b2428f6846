"""Settings → Notifications in a real browser: reached from the conversation header, its
switches and a room's level saved, by role and label."""

from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from parley.accounts.models import User
from parley.core.testing.clients import client_for
from parley.messaging.actions.rooms import check_create_room
from parley.notifications.policy import preferences_of
from parley.notifications.selectors import settings_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(new_page: Callable[[], Page], site_url: str, user: User) -> Page:
    page = new_page()
    session = client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site_url}]
    )
    return page


def test_notification_settings_from_the_conversation_header(
    new_page: Callable[[], Page], site_url: str, alice: User
) -> None:
    room = check_create_room(alice, title="Team")
    chat = room.chats.get(is_default=True)
    page = signed_in(new_page, site_url, alice)
    page.goto(f"/chat/{chat.pk}/")
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()

    page.get_by_label("Do not disturb", exact=False).check()
    page.get_by_label("Email after").select_option(label="5 minutes")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your notification settings were saved.")
    expect(page.get_by_label("Do not disturb", exact=False)).to_be_checked()
    saved = settings_of(alice)
    assert saved.do_not_disturb is True and saved.email_delay_seconds == 300

    page.get_by_label("Room Team").select_option("everything")
    page.get_by_role("button", name="Save levels").click()
    expect(page.get_by_role("status")).to_contain_text("Your levels were saved.")
    expect(page.get_by_label("Room Team")).to_have_value("everything")
    assert preferences_of(alice.pk)["rooms"] == {str(room.pk): "everything"}
