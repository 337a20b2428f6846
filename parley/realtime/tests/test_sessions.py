"""Credential changes end login sessions at once: their sockets close (4401) within a
second and their HTTP requests are signed out; the session that made the change stays."""

import re

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.test import Client
from django.urls import reverse

from parley.accounts.actions.profile import do_update_profile
from parley.accounts.tests.factories import PASSWORD
from parley.core.testing.protocol import received
from parley.core.testing.sockets import Socket, open_socket, signed_in_client

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "violet-Lantern-orbit-42-tundra"
SETTINGS = "/settings/profile/"


async def closed_with(socket: Socket, within: float = 1.0) -> int:
    """The close code the socket gets within `within` seconds (after session.ended)."""
    frames = []
    while True:
        output = await socket.communicator.receive_output(timeout=within)
        if output["type"] == "websocket.close":
            assert {"type": "session.ended"} in frames
            return output["code"]
        frames.append(received(output["text"]))


async def signed_in(client: Client) -> bool:
    response = await database_sync_to_async(client.get)(SETTINGS)
    return response.status_code == 200


async def assert_still_hear(sockets: list[Socket], sender: Socket, chat, body: str) -> None:
    ack = await sender.request(type="send", conversation=chat.pk, client_id=body, body=body)
    assert ack["type"] == "ack"
    for socket in sockets:
        frame = await socket.receive()
        assert frame["message"]["body"] == body


def change_password(client: Client):
    return client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


async def test_password_change_ends_every_other_session_and_keeps_its_own(room, chat, alice, bob):
    own, _, _ = await open_socket(bob)
    own_tab, _, _ = await open_socket(bob, client=own.client)  # same login, another tab
    other, _, _ = await open_socket(bob)  # another browser
    sender, _, _ = await open_socket(alice)

    response = await database_sync_to_async(change_password)(own.client)

    assert response.status_code == 302
    assert await closed_with(other) == 4401
    assert not await signed_in(other.client)
    assert await signed_in(own.client)
    await assert_still_hear([own, own_tab], sender, chat, "still-here")
    # The kept session got a new key; logging out of it still closes its sockets.
    await database_sync_to_async(own.client.post)("/logout/")
    assert await closed_with(own) == 4001
    assert await closed_with(own_tab) == 4001
    await sender.close()


async def test_password_reset_ends_every_session(room, alice, bob):
    first, _, _ = await open_socket(bob)
    second, _, _ = await open_socket(bob)
    bystander, _, _ = await open_socket(alice)
    anonymous = Client()

    def reset() -> None:
        anonymous.post(reverse("password_reset"), {"email": bob.email})
        found = re.search(r"(/password-reset/\S+/)", str(mail.outbox[-1].body))
        assert found is not None
        link = found.group(1)
        form = anonymous.get(link, follow=True)
        response = anonymous.post(
            form.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 302

    await database_sync_to_async(reset)()

    assert await closed_with(first) == 4401
    assert await closed_with(second) == 4401
    assert not await signed_in(first.client)
    assert not await signed_in(second.client)
    assert await bystander.nothing_more()
    await bystander.close()


async def test_password_set_outside_a_request_ends_every_session(room, bob):
    """The shell, the admin, a management command: any save of a new password."""
    socket, _, _ = await open_socket(bob)

    def set_password() -> None:
        bob.set_password(NEW_PASSWORD)
        bob.save()

    await database_sync_to_async(set_password)()

    assert await closed_with(socket) == 4401
    assert not await signed_in(socket.client)


async def test_deactivation_ends_every_session_and_refuses_new_sockets(room, bob):
    first, _, _ = await open_socket(bob)
    second, _, _ = await open_socket(bob)

    def deactivate() -> None:
        bob.is_active = False
        bob.save(update_fields=["is_active"])

    await database_sync_to_async(deactivate)()

    assert await closed_with(first) == 4401
    assert await closed_with(second) == 4401
    assert not await signed_in(first.client)
    _, connected, code = await open_socket(None, client=first.client)
    assert not connected
    assert code == 4401


async def test_log_out_everywhere_ends_every_other_session(room, chat, alice, bob):
    browser = await database_sync_to_async(signed_in_client)(bob)
    browser.handler.enforce_csrf_checks = True
    own, _, _ = await open_socket(bob, client=browser)
    other, _, _ = await open_socket(bob)
    sender, _, _ = await open_socket(alice)

    def press_the_button():
        page = browser.get(SETTINGS)
        assert b"Log out everywhere else" in page.content
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
        assert token is not None
        return browser.post(
            reverse("log_out_elsewhere"), {"csrfmiddlewaretoken": token.group(1).decode()}
        )

    response = await database_sync_to_async(press_the_button)()

    assert response.status_code == 302
    assert await closed_with(other) == 4401
    assert not await signed_in(other.client)
    page = await database_sync_to_async(browser.get)(SETTINGS)
    assert "You were signed out everywhere else." in page.content.decode()
    await assert_still_hear([own], sender, chat, "kept")
    await own.close()
    await sender.close()


async def test_log_out_everywhere_needs_a_post_with_csrf(room, bob):
    socket, _, _ = await open_socket(bob)
    browser = await database_sync_to_async(signed_in_client)(bob)
    browser.handler.enforce_csrf_checks = True

    get = await database_sync_to_async(browser.get)(reverse("log_out_elsewhere"))
    forged = await database_sync_to_async(browser.post)(reverse("log_out_elsewhere"))

    assert get.status_code == 405
    assert forged.status_code == 403
    assert await socket.nothing_more()
    assert await signed_in(socket.client)
    await socket.close()


async def test_other_changes_to_the_user_end_no_session(room, bob):
    socket, _, _ = await open_socket(bob)

    await database_sync_to_async(do_update_profile)(bob, display_name="Robert", bio="hi")
    login = {"username": "bob", "password": PASSWORD}
    logged_in = await database_sync_to_async(Client().post)(reverse("login"), login)

    assert logged_in.status_code == 302
    assert await socket.nothing_more()
    assert await signed_in(socket.client)
    await socket.close()


async def test_the_admin_changing_their_own_password_keeps_their_session(room, chat, alice, bob):
    """Any view that keeps its own session (here the admin's) keeps its sockets too."""

    def make_admin() -> Client:
        alice.is_staff = alice.is_superuser = True
        alice.save()
        return signed_in_client(alice)

    browser = await database_sync_to_async(make_admin)()
    own, _, _ = await open_socket(alice, client=browser)
    other, _, _ = await open_socket(alice)
    sender, _, _ = await open_socket(bob)

    def change() -> int:
        data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD}
        data["new_password2"] = NEW_PASSWORD
        return browser.post("/admin/password_change/", data).status_code

    assert await database_sync_to_async(change)() == 302
    assert await closed_with(other) == 4401
    assert await signed_in(browser)
    await assert_still_hear([own], sender, chat, "admin-kept")
    await own.close()
    await sender.close()


async def test_the_admin_deactivating_someone_ends_every_session_of_theirs(room, alice, bob):
    def make_admin() -> Client:
        alice.is_staff = alice.is_superuser = True
        alice.save()
        return signed_in_client(alice)

    admin = await database_sync_to_async(make_admin)()
    socket, _, _ = await open_socket(bob)
    own, _, _ = await open_socket(alice, client=admin)

    def deactivate() -> int:
        joined = bob.date_joined
        data = {  # the admin's change form for bob, with "Active" unticked
            "username": bob.username,
            "email": bob.email,
            "display_name": bob.display_name,
            "bio": bob.bio,
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
        }
        response = admin.post(f"/admin/accounts/user/{bob.pk}/change/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        return response.status_code

    assert await database_sync_to_async(deactivate)() == 302
    assert await closed_with(socket) == 4401
    assert not await signed_in(socket.client)
    assert await own.nothing_more()  # the admin's own sockets are untouched
    await own.close()
