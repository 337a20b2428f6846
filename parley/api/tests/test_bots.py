"""Bots as their owner and their script see them: made over the API or the settings
page, signed in only by their tokens, marked as bots, deactivated by their owner."""

import pytest
from django.test import Client

from parley.accounts.actions.bots import check_create_bot
from parley.accounts.models import User
from parley.core.errors import ParleyError
from parley.messaging.actions.rooms import check_join_room
from parley.messaging.actions.send import check_send_message
from parley.messaging.models import Message

BOTS = "/api/v1/bots"


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def make_bot(client: Client, username: str = "deploy-bot") -> dict:
    response = client.post(
        BOTS, {"username": username, "name": "Deploy"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def bot_token(client: Client, bot_id: int, scope: str = "write") -> str:
    response = client.post(
        f"{BOTS}/{bot_id}/tokens", {"name": "ci", "scope": scope}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()["token"]


def test_a_bot_posts_as_itself_marked_as_a_bot(room, chat, alice, alice_client, bob_client):
    bot = make_bot(alice_client)
    token = bot_token(alice_client, bot["user"]["id"])
    script = bearer(token)
    assert bot["user"] == {
        "id": bot["user"]["id"],
        "username": "deploy-bot",
        "name": "Deploy",
        "avatar": None,
        "bot": True,
    }
    # It joins the public room like anyone; then it can post.
    check_join_room(User.objects.get(pk=bot["user"]["id"]), room)
    check_send_message(
        User.objects.get(pk=bot["user"]["id"]),
        conversation_id=chat.pk,
        client_id="b1",
        body="deployed",
    )

    me = script.get("/api/v1/users/me").json()
    page = bob_client.get(f"/api/v1/conversations/{chat.pk}/messages").json()
    assert me["bot"] is True and me["username"] == "deploy-bot"
    assert page["messages"][0]["sender"]["bot"] is True
    assert Message.objects.get(client_id="b1").sender.bot_owner == alice


def test_a_bot_cannot_sign_in_with_a_password(alice_client):
    bot = make_bot(alice_client)
    user = User.objects.get(pk=bot["user"]["id"])

    assert not user.has_usable_password()
    for name in ("deploy-bot", user.email):
        response = Client().post("/login/", {"username": name, "password": ""})
        assert response.status_code in (200, 400)
        assert "_auth_user_id" not in Client().session


@pytest.mark.parametrize(
    ("username", "field"),
    [("deploy", "username"), ("de ploy-bot", "username"), ("x\udc00-bot", "username")],
)
def test_bad_bot_names_are_refused(alice_client, username, field):
    response = alice_client.post(BOTS, {"username": username}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert not User.objects.filter(is_bot=True).exists()


@pytest.mark.django_db
def test_people_cannot_take_a_bot_name(client):
    response = client.post(
        "/signup/",
        {
            "username": "sneaky-bot",
            "email": "s@example.org",
            "password1": "violet-Lantern-orbit-42-tundra",
            "password2": "violet-Lantern-orbit-42-tundra",
        },
    )

    assert "for bots" in response.content.decode()
    assert not User.objects.filter(username="sneaky-bot").exists()


def test_a_taken_username_is_a_conflict(alice_client, bob):
    response = alice_client.post(BOTS, {"username": "bob-bot"}, content_type="application/json")
    again = alice_client.post(BOTS, {"username": "BOB-bot"}, content_type="application/json")

    assert response.status_code == 201
    assert again.status_code == 409 and again.json()["error"]["field"] == "username"


def test_only_the_owner_manages_a_bot(alice_client, bob_client):
    bot = make_bot(alice_client)
    bot_id = bot["user"]["id"]

    for response in (
        bob_client.get(f"{BOTS}/{bot_id}"),
        bob_client.patch(f"{BOTS}/{bot_id}", {"active": False}, content_type="application/json"),
        bob_client.post(f"{BOTS}/{bot_id}/tokens", {"name": "x"}, content_type="application/json"),
        bob_client.get(f"{BOTS}/987654"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert bob_client.get(BOTS).json() == {"bots": []}


def test_a_bot_makes_no_bots_and_no_tokens_of_its_own(alice_client):
    script = bearer(bot_token(alice_client, make_bot(alice_client)["user"]["id"]))

    made = script.post(BOTS, {"username": "child-bot"}, content_type="application/json")
    token = script.post("/api/v1/tokens", {"name": "mine"}, content_type="application/json")

    assert made.status_code == token.status_code == 403


def test_deactivating_a_bot_stops_its_tokens_and_reactivating_restores_them(alice_client):
    bot_id = make_bot(alice_client)["user"]["id"]
    script = bearer(bot_token(alice_client, bot_id))
    assert script.get("/api/v1/users/me").status_code == 200

    off = alice_client.patch(f"{BOTS}/{bot_id}", {"active": False}, content_type="application/json")

    assert off.status_code == 200 and off.json()["active"] is False
    assert script.get("/api/v1/users/me").status_code == 401
    on = alice_client.patch(f"{BOTS}/{bot_id}", {"active": True}, content_type="application/json")
    assert on.json()["active"] is True
    assert script.get("/api/v1/users/me").status_code == 200


def test_the_owner_and_the_bot_may_message_directly(alice, bob):
    bot = check_create_bot(alice, username="helper-bot", display_name="")

    to_bot = check_send_message(alice, to_user_id=bot.pk, client_id="d1", body="status?")
    back = check_send_message(bot, to_user_id=alice.pk, client_id="d2", body="all green")

    assert to_bot.message.conversation_id == back.message.conversation_id
    with pytest.raises(ParleyError) as refused:
        check_send_message(bob, to_user_id=bot.pk, client_id="d3", body="hi")
    assert refused.value.code == "forbidden"


def test_the_settings_pages_make_a_bot_and_show_its_token_once(alice_client):
    made = alice_client.post(
        "/settings/bots/", {"username": "page-bot", "display_name": "Page"}, follow=True
    )
    bot = User.objects.get(username="page-bot")

    assert made.status_code == 200 and "page-bot" in made.content.decode()
    created = alice_client.post(
        f"/settings/bots/{bot.pk}/", {"name": "ci", "scope": "write", "expires_in_days": "30"}
    )
    assert created.status_code == 201
    text = created.content.decode()
    token = text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert bearer(token).get("/api/v1/users/me").json()["username"] == "page-bot"
    assert token not in alice_client.get(f"/settings/bots/{bot.pk}/").content.decode()
