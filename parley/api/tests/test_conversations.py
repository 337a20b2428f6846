"""Conversations and history over the API with a token: the same answers as the pages'
scripts get, and "missing" and "forbidden" answered alike."""

import pytest
from django.test import Client

from parley.accounts.actions.tokens import check_create_api_token
from parley.messaging.actions.send import check_send_message


def token_client(user, scope="write") -> Client:
    _, token = check_create_api_token(user, name="script", scope=scope, expires_in_days=None)
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_a_script_reads_its_conversations_and_history(chat, alice, bob):
    for n in range(3):
        check_send_message(alice, conversation_id=chat.pk, client_id=f"c{n}", body=f"m{n}")
    script = token_client(bob)

    listed = script.get("/api/v1/conversations").json()["conversations"]
    page = script.get(f"/api/v1/conversations/{chat.pk}/messages", {"limit": 2}).json()

    assert chat.pk in [c["id"] for c in listed]
    assert [m["body"] for m in page["messages"]] == ["m2", "m1"] and page["has_more"]
    older = script.get(
        f"/api/v1/conversations/{chat.pk}/messages", {"before": page["messages"][-1]["seq"]}
    ).json()
    assert [m["body"] for m in older["messages"]] == ["m0"]


def test_an_outsider_gets_the_answer_of_a_missing_conversation(chat, carol):
    script = token_client(carol)

    theirs = script.get(f"/api/v1/conversations/{chat.pk}/messages")
    missing = script.get("/api/v1/conversations/987654/messages")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


@pytest.mark.parametrize("value", ["²", "+5", " 5", "1_0", "5.0", "-1", "0x10", ""])
def test_numbers_in_the_query_are_ascii_digits(chat, bob, value):
    response = token_client(bob).get(f"/api/v1/conversations/{chat.pk}/messages", {"before": value})

    if value == "":
        assert response.status_code in (200, 400)
    else:
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": "invalid",
            "message": response.json()["error"]["message"],
            "field": "before",
        }


@pytest.mark.parametrize("path", ["/api/v1/conversations/²/messages", "/api/v1/messages/0/edits"])
def test_an_id_that_cannot_exist_is_not_found(bob, path):
    assert token_client(bob).get(path).status_code == 404


def test_without_credentials_the_api_answers_401_json():
    response = Client().get("/api/v1/conversations")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("body", ["", " ", "\x85\u3000\x1c"])
def test_a_blank_preview_is_refused_naming_its_field(alice, body):
    response = token_client(alice).post(
        "/api/v1/messages/preview", {"body": body}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"
