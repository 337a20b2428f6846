"""Text no column can hold (a NUL; a lone surrogate) is a 400 on every HTTP surface:
every URL pattern's path, query string and form, every form of Parley's pages, and
JSON bodies. Nothing is stored and nothing answers 500."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from parley.accounts.models import User
from parley.core.testing.clients import client_for
from parley.messaging.actions.rooms import check_create_room
from parley.messaging.models import Room

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


def _named_patterns(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> list[tuple[str, dict[str, Any]]]:
    """(url name, converters) of every named URL pattern outside the admin."""
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith("admin/"):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += _named_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((namespace + pattern.name, dict(pattern.pattern.converters)))
    return found


PATTERNS = _named_patterns(get_resolver().url_patterns)
VALUES = {
    "slug": "team",
    "username": "bob",
    "uidb64": "MQ",
    "token": "set-password",
    "name": "x.webp",
}


def url_of(name: str, converters: dict[str, Any]) -> str:
    kwargs = {key: VALUES.get(key, 1) for key in converters}
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def alice_client(alice: User, bob: User) -> Client:
    check_create_room(alice, title="Team")
    return client_for(alice)


def assert_refused(response: Any, path: str) -> None:
    assert response.status_code == 400, (path, response.status_code)
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "invalid_text"
    else:
        assert "NUL character" in response.content.decode()


@pytest.mark.parametrize(("name", "converters"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_a_nul_anywhere_in_the_query_or_a_form_of_any_address_is_a_400(
    alice_client, name, converters
):
    path = url_of(name, converters)
    counts = (User.objects.count(), Room.objects.count())

    for query in ({"q": NUL}, {"page": NUL}, {NUL: "1"}):
        assert_refused(alice_client.get(path, query), path)
    form = {"title": NUL, "username": NUL, "display_name": NUL, "body": "x", "q": "x"}
    assert_refused(alice_client.post(path, form), path)

    assert (User.objects.count(), Room.objects.count()) == counts


@pytest.mark.parametrize(
    "path", ["/people/bo%00b/", "/rooms/te%00am/", "/search/%00/", "/api/v1/search/%00"]
)
def test_a_nul_in_the_path_is_a_400(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "form"),
    [
        (
            "/signup/",
            {
                "username": NUL,
                "email": "n@example.org",
                "password1": "Xq9!vLr-2mPz",
                "password2": "Xq9!vLr-2mPz",
            },
        ),
        (
            "/signup/",
            {
                "username": "nul",
                "email": "n\x00@example.org",
                "password1": "Xq9!vLr-2mPz",
                "password2": "Xq9!vLr-2mPz",
            },
        ),
        ("/login/", {"username": NUL, "password": "x"}),
        ("/password-reset/", {"email": "a\x00@example.org"}),
    ],
)
def test_the_signed_out_forms_refuse_a_nul(client, path, form):
    users = User.objects.count()
    response = client.post(path, form)
    assert_refused(response, path)
    assert User.objects.count() == users


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/settings/profile/", {"display_name": NUL, "bio": ""}),
        ("/settings/profile/", {"display_name": "Al", "bio": NUL}),
        ("/settings/password/", {"old_password": NUL, "new_password1": "x", "new_password2": "x"}),
        ("/rooms/new/", {"title": NUL, "visibility": "public"}),
        ("/rooms/team/settings/", {"title": "Team", "slug": "team", "description": NUL}),
        ("/rooms/team/settings/invite/", {"username": NUL}),
        ("/rooms/team/chats/new/", {"title": NUL}),
        ("/groups/new/", {"title": NUL}),
    ],
)
def test_the_signed_in_forms_refuse_a_nul_and_change_nothing(alice_client, alice, path, form):
    before = User.objects.values().get(pk=alice.pk), list(Room.objects.values())
    response = alice_client.post(path, form)
    assert_refused(response, path)
    assert (User.objects.values().get(pk=alice.pk), list(Room.objects.values())) == before


def test_a_session_cookie_holding_a_nul_is_ignored(alice_client):
    alice_client.cookies[settings.SESSION_COOKIE_NAME] = NUL
    response = alice_client.get("/api/v1/conversations")
    assert response.status_code == 401  # as without a cookie, not a 500


@pytest.mark.parametrize("text", ["\\u0000", "\\ud800", "a\\udfff"])
@pytest.mark.parametrize("where", ["value", "key"])
def test_json_strings_that_no_column_can_hold_are_a_400(alice_client, text, where):
    body = f'{{"body": "{text}"}}' if where == "value" else f'{{"body": "hi", "{text}": 1}}'
    response = alice_client.post("/api/v1/messages/preview", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_text"
