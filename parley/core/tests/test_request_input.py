"""JSON bodies and numbers in query strings are parsed strictly on every endpoint
(parley.core.http.json_body, query_int): a clear 400, never a 500."""

import json

import pytest

from parley.core.testing.clients import client_for
from parley.messaging.actions.rooms import check_create_room
from parley.messaging.models import Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_client(alice, bob):
    check_create_room(alice, title="Team")
    return client_for(alice)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"body": ' + "[" * 20 + "]" * 20 + "}",  # deeper than 16 levels
        '{"body": "' + "x" * 300_000 + '"}',  # over 256 KiB
        '{"body": NaN}',
        '{"body": "hi", "conversation": Infinity}',
        '{"body": "hi", "conversation": -Infinity}',
        '{"body": "hi", "conversation": 1e999}',
        '{"body": "hi", "conversation": 99999999999999999999999}',
        '{"body": "hi", "body": "again"}',
        '{"body": "hi"',
        "\xff\xfe",
        "[]",
        '"body"',
    ],
)
def test_a_malformed_or_unbounded_json_body_is_a_400_json_error(alice_client, body):
    response = alice_client.post("/api/v1/messages/preview", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid", "invalid_text")


def test_a_json_body_past_what_django_reads_into_memory_is_413_json(alice_client):
    body = '{"body": "' + "x" * 3_000_000 + '"}'  # under the 6 MiB of any body
    response = alice_client.post("/api/v1/messages/preview", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_well_formed_json_body_still_works(alice_client):
    payload = json.dumps({"body": "**hi** " + "x" * 9000})
    response = alice_client.post(
        "/api/v1/messages/preview", payload, content_type="application/json"
    )
    assert response.status_code == 200
    assert "<strong>hi</strong>" in response.json()["html"]


NOT_ASCII = ["²", "٣", "１", "1²", "-1", "1.5", "1e3", " 1", "9" * 19, "0x1"]


@pytest.mark.parametrize("value", NOT_ASCII)
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/conversations/{chat}/messages", "limit"),
        ("/api/v1/conversations/{chat}/messages", "before"),
        ("/api/v1/conversations/{chat}/messages", "after"),
        ("/api/v1/conversations/{chat}/messages", "around"),
        ("/api/v1/search", "page"),
        ("/search/", "page"),
        ("/rooms/", "page"),
        ("/rooms/team/", "page"),
        ("/rooms/team/settings/", "page"),
        ("/people/", "page"),
        ("/chat/{chat}/", "at"),
        ("/chat/{chat}/", "message"),
    ],
)
def test_a_number_not_in_ascii_digits_is_a_400(alice_client, alice, value, path, name):
    path = path.format(chat=Conversation.objects.get(title="general").pk)
    response = alice_client.get(path, {"q": "x", name: value})

    assert response.status_code == 400, response.status_code
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "invalid"
