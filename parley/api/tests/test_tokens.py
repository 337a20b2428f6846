"""Personal access tokens over the API, as a script sees them: created once, sent as a
bearer token, scoped, revoked, expired, never accepted in a URL, never stored."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from parley.accounts.models import ApiToken
from parley.accounts.tokens import PREFIX

ME = "/api/v1/users/me"
TOKENS = "/api/v1/tokens"


def new_token(client: Client, **fields: object) -> dict:
    response = client.post(TOKENS, {"name": "ci", **fields}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def csrf_client(alice):
    """alice's browser session, sending its CSRF token as the chat page's scripts do."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/settings/tokens/")
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client


def test_a_token_is_shown_once_and_signs_a_script_in(csrf_client, alice):
    created = new_token(csrf_client, scope="read")

    token = created["token"]
    assert token.startswith(PREFIX) and len(token) == len(PREFIX) + 44
    assert created["details"]["name"] == "ci" and created["details"]["scope"] == "read"
    response = bearer(token).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    listed = csrf_client.get(TOKENS).json()["tokens"]
    assert [t["id"] for t in listed] == [created["details"]["id"]]
    assert token not in str(listed)


def test_the_database_never_holds_the_token(csrf_client):
    token = new_token(csrf_client)["token"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert rows and not any(token in str(value) for row in rows for value in row)
    stored = ApiToken.objects.get()
    assert stored.digest != token and token.startswith(PREFIX + stored.key)


def test_the_session_must_carry_its_csrf_token_to_create_one(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(TOKENS, {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer parley_pat_" + "a" * 44,  # well formed, unknown
        "Bearer nonsense",
        "Basic YWxpY2U6cGFzcw==",
        "Bearer ",
        "Token {token}",
    ],
)
def test_a_bad_authorization_header_is_401_even_with_a_session(csrf_client, header):
    token = new_token(csrf_client)["token"]
    csrf_client.defaults["HTTP_AUTHORIZATION"] = header.format(token=token)

    response = csrf_client.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("name", ["token", "access_token", "api_key", "bearer"])
def test_a_token_in_the_url_is_not_accepted(csrf_client, name):
    token = new_token(csrf_client)["token"]

    response = Client().get(ME, {name: token})

    assert response.status_code == 401


def test_the_wrong_secret_behind_a_real_key_is_refused(csrf_client):
    token = new_token(csrf_client)["token"]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert bearer(forged).get(ME).status_code == 401
    assert bearer(token).get(ME).status_code == 200


def test_a_read_token_may_only_read(csrf_client):
    token = new_token(csrf_client, scope="read")["token"]
    script = bearer(token)

    refused = script.post(TOKENS, {"name": "more"}, content_type="application/json")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert ApiToken.objects.count() == 1
    assert script.get("/api/v1/conversations").status_code == 200


def test_a_write_token_needs_no_csrf_token(csrf_client):
    token = new_token(csrf_client, scope="write")["token"]

    response = bearer(token).post(
        "/api/v1/messages/preview", {"body": "**hi**"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert "<strong>hi</strong>" in response.json()["html"]


def test_a_revoked_token_stops_working_at_once(csrf_client):
    created = new_token(csrf_client)
    script = bearer(created["token"])
    assert script.get(ME).status_code == 200

    revoked = csrf_client.delete(f"{TOKENS}/{created['details']['id']}")

    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert script.get(ME).status_code == 401


def test_an_expired_token_stops_working(csrf_client, time_machine):
    token = new_token(csrf_client, expires_in_days=1)["token"]
    assert bearer(token).get(ME).status_code == 200

    time_machine.move_to(timezone.now() + timedelta(days=1, seconds=1))

    assert bearer(token).get(ME).status_code == 401


def test_a_deactivated_users_tokens_stop_working(csrf_client, alice):
    token = new_token(csrf_client)["token"]

    alice.is_active = False
    alice.save()

    assert bearer(token).get(ME).status_code == 401


def test_another_users_token_is_not_found_as_a_missing_one(csrf_client, bob_client):
    created = new_token(csrf_client)

    theirs = bob_client.delete(f"{TOKENS}/{created['details']['id']}")
    missing = bob_client.delete(f"{TOKENS}/999999")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert bearer(created["token"]).get(ME).status_code == 200


def test_a_whole_number_written_with_a_fraction_is_that_number(csrf_client):
    created = new_token(csrf_client, expires_in_days=7.0)  # JSON Schema's integer takes 7.0

    expires = datetime.fromisoformat(created["details"]["expires_at"])
    assert timedelta(days=6, hours=23) < expires - timezone.now() <= timedelta(days=7)


def test_last_used_is_noted(csrf_client):
    created = new_token(csrf_client)
    assert created["details"]["last_used_at"] is None

    bearer(created["token"]).get(ME)

    assert csrf_client.get(TOKENS).json()["tokens"][0]["last_used_at"] is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": " \t "}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "a\udc00"}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 367}, "expires_in_days"),
        ({"expires_in_days": "7"}, "expires_in_days"),
        ({"expires_in_days": True}, "expires_in_days"),
        ({"expires_in_days": 7.5}, "expires_in_days"),
        ({"owner": 2}, "owner"),
    ],
)
def test_bad_token_requests_are_400_and_create_nothing(csrf_client, fields, field):
    response = csrf_client.post(TOKENS, {"name": "ci", **fields}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid", "invalid_text")
    assert response.json()["error"].get("field") == field
    assert not ApiToken.objects.exists()
