"""Accounts end to end in a real browser: sign up, profile photo, friends, log in.

Locators are by role and label on purpose: if one stops matching, the page has
probably lost an accessible name, and that is a bug too.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-Horse-battery-9-staple"


def sign_up(page: Page, *, username: str, email: str, password: str = PASSWORD) -> None:
    page.goto("/signup/")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password confirmation", exact=True).fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/settings/profile/$"))
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to Parley, {username}!")


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def expect_photo_loaded(page: Page, name: str) -> None:
    """The large photo of `name` is shown and the browser decoded a real image."""
    photo = page.get_by_role("img", name=f"Photo of {name}", exact=True)
    expect(photo).to_be_visible()
    # decode() resolves once the image is loaded and decoded, and rejects if it is broken.
    natural_width = photo.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert natural_width > 0
    assert natural_width == max(settings.AVATAR_SIZES)


def test_sign_up_add_photo_and_become_friends(new_page: Callable[[], Page], tmp_path: Path) -> None:
    alice_username, alice_name = "alice.liddell", "Alice Liddell"
    bob_username = "bob_builder"

    # 1. Alice signs up and lands on her profile settings.
    alice = new_page()
    sign_up(alice, username=alice_username, email="alice@example.org")

    # 2. She uploads a photo and sets a display name.
    png = tmp_path / "alice.png"
    Image.new("RGB", (300, 200), (200, 60, 40)).save(png, format="PNG")
    alice.get_by_label("Display name").fill(alice_name)
    alice.get_by_label("Photo").set_input_files(png)
    alice.get_by_role("button", name="Save profile").click()
    expect(alice.get_by_role("status")).to_have_text("Your profile was saved.")
    expect(alice.get_by_label("Display name")).to_have_value(alice_name)
    expect_photo_loaded(alice, alice_name)

    # 3. Bob signs up in a separate browser context.
    bob = new_page()
    sign_up(bob, username=bob_username, email="bob@example.org")

    # 4. Bob finds Alice under People by a prefix of her username and asks to be friends.
    main_nav(bob).get_by_role("link", name="People").click()
    expect(bob.get_by_role("heading", name="People", level=1)).to_be_visible()
    bob.get_by_label("Search by username or name").fill(alice_username[:4])
    bob.get_by_role("button", name="Search").click()
    results = bob.get_by_role("list", name="Search results")
    results.get_by_role("link", name=alice_name, exact=True).click()
    expect(bob.get_by_role("heading", name=alice_name, level=1)).to_be_visible()
    expect_photo_loaded(bob, alice_name)  # the photo is served to other signed-in users
    bob.get_by_role("button", name="Add friend").click()
    expect(bob.get_by_role("status")).to_have_text(f"Friend request sent to {alice_name}.")
    expect(bob.get_by_role("main").get_by_text("Friend request sent", exact=True)).to_be_visible()
    expect(bob.get_by_role("button", name="Add friend")).to_have_count(0)
    profile_url = bob.url

    # 5. Alice sees the request counted in the nav and accepts it on her Friends page.
    alice.reload()
    expect(main_nav(alice).get_by_label("1 new request")).to_have_text("1")
    main_nav(alice).get_by_role("link", name=re.compile(r"^Friends\b")).click()
    expect(alice).to_have_url(re.compile(r"/friends/$"))
    requests = alice.get_by_role("region", name="Friend requests")
    expect(requests.get_by_role("link", name=bob_username, exact=True)).to_be_visible()
    requests.get_by_role("button", name=f"Accept request from {bob_username}").click()
    expect(alice.get_by_role("status")).to_have_text(f"You and {bob_username} are now friends.")
    friends = alice.get_by_role("list", name="Your friends")
    expect(friends.get_by_role("link", name=bob_username, exact=True)).to_be_visible()
    expect(requests).to_contain_text("No new requests.")
    expect(main_nav(alice).get_by_role("link", name="Friends", exact=True)).to_be_visible()

    # 6. Bob reloads Alice's profile and sees that they are friends.
    bob.reload()
    expect(bob).to_have_url(profile_url)
    expect(bob.get_by_role("main").get_by_text("Friends", exact=True)).to_be_visible()
    expect(bob.get_by_role("button", name="Remove friend")).to_be_visible()


def test_login_refuses_a_wrong_password_and_accepts_the_email(
    new_page: Callable[[], Page],
) -> None:
    get_user_model().objects.create_user(
        username="carol", email="carol@example.org", password=PASSWORD
    )
    page = new_page()

    page.goto("/login/")
    page.get_by_label("Username or email").fill("carol")
    page.get_by_label("Password", exact=True).fill("not-" + PASSWORD)
    page.get_by_role("button", name="Log in").click()
    form = page.get_by_role("main").locator("form")
    expect(form.get_by_role("alert")).to_have_text(
        "That username or email and password do not match an account."
    )
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.get_by_label("Username or email").fill("carol@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/chat/$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
