"""The OpenAPI document and its page, as an API client and a browser find them."""

import re

from django.test import Client


def test_the_openapi_document_is_3_1_and_lists_every_endpoint():
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["version"] == "1"
    assert {
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}/messages",
        "/api/v1/conversations/{conversation_id}/members",
        "/api/v1/conversations/{conversation_id}/read",
        "/api/v1/messages",
        "/api/v1/messages/{message_id}",
        "/api/v1/messages/{message_id}/edits",
        "/api/v1/messages/{message_id}/move",
        "/api/v1/messages/{message_id}/reactions",
        "/api/v1/messages/{message_id}/reactions/{emoji}",
        "/api/v1/messages/preview",
        "/api/v1/search",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}",
        "/api/v1/users/me",
        "/api/v1/rooms",
        "/api/v1/rooms/{room_id}",
        "/api/v1/rooms/{room_id}/members/{user_id}",
        "/api/v1/rooms/{room_id}/invites",
        "/api/v1/rooms/invites/{invite_id}/accept",
        "/api/v1/rooms/{room_id}/chats/{chat_id}",
        "/api/v1/groups",
        "/api/v1/groups/{conversation_id}/people",
    } <= set(document["paths"])
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_every_operation_declares_its_errors():
    document = Client().get("/api/v1/openapi.json").json()

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "401", "404", "429"} <= declared, (method, path, declared)


def test_the_not_blank_pattern_is_what_the_server_strips():
    document = Client().get("/api/v1/openapi.json").json()
    body = document["components"]["schemas"]["PreviewIn"]["properties"]["body"]

    says_something = re.compile(body["pattern"])

    for char in map(chr, range(0x3100)):
        assert (says_something.fullmatch(char) is None) == char.isspace(), hex(ord(char))


def test_the_documentation_page_is_served_by_parley_itself():
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page and "https://" not in page.replace("https://swagger.io", "")


def test_each_schema_in_the_document_is_one_class():
    """django-ninja names a component after its class, so two input or output classes of
    one name would leave one of them described as the other (a broadcast's room target
    once stood in for the room a client creates)."""
    import pydantic

    import parley.api.v1  # noqa: F401 (every router's module, imported)

    def subclasses(cls: type) -> list[type]:
        found = []
        for sub in cls.__subclasses__():
            found += [sub, *subclasses(sub)]
        return found

    ours = [c for c in subclasses(pydantic.BaseModel) if c.__module__.startswith("parley.")]
    names = [c.__name__ for c in set(ours)]
    assert sorted({n for n in names if names.count(n) > 1}) == []
