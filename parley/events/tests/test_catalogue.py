"""The catalogue itself: complete, strict, and encoding what json.dumps did."""

import ast
import json
from pathlib import Path

import msgspec
import pytest

from parley.core.errors import ErrorCode, ParleyError
from parley.events import catalogue, frames

PARLEY = Path(__file__).resolve().parents[2]


def _subclasses(cls: type[msgspec.Struct]) -> set[type[msgspec.Struct]]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found))


def test_every_event_and_frame_class_is_in_its_union():
    tagged = {c for c in _subclasses(catalogue.Event) if not c.__name__.startswith("_")}
    assert tagged == set(catalogue.EVENTS.values())
    assert set(frames.FRAMES) == {c.__struct_config__.tag for c in _subclasses(frames.Frame)}


def test_an_event_is_encoded_as_json_dumps_encoded_its_dict():
    """The wire text is what json.dumps(separators=(",", ":"), ensure_ascii=False) made
    of the same dict before the catalogue, byte for byte: text as it is (no \\u escapes
    but for control characters), floats as Python writes them, key order kept."""
    message: catalogue.MessageData = {
        "id": 5120,
        "conversation": 12,
        "seq": 43,
        "updated_seq": 43,
        "sender": {"id": 7, "username": "alice", "name": "Ålice 🦊", "avatar": None, "bot": False},
        "client_id": "b4c1e0e2-6a",
        "body": 'Hello "team" \\ \n\t\x01 \u2028 </script> 👍',
        "html": "<p>Hello</p>",
        "created_at": "2026-11-21T21:41:00.001000+00:00",
        "edited_at": None,
        "edit_count": 0,
        "deleted": False,
        "reply_to": None,
        "mentions": [9],
        "reactions": [{"emoji": "👍", "count": 2, "users": [9, 11], "names": ["Bob", "Eve"]}],
        "attachments": [
            {
                "id": 3,
                "name": "plan «v2».png",
                "type": "image/png",
                "size": 1234,
                "url": "/files/3/download",
                "thumbnail_url": "/files/3/thumbnail",
                "view_url": "/files/3/view",
                "width": 640,
                "height": 480,
            }
        ],
        "moved_to": None,
        "moved_from": {"conversation": 3, "title": "Team › general"},
        "call": None,
    }
    events: list[catalogue.ServerEvent] = [
        catalogue.Message(conversation=12, seq=43, message=message),
        catalogue.Gap(conversation=12, from_=41, to=900),
        catalogue.Error(ref="r1", code=ErrorCode.RATE_LIMITED, message="Wait.", retry_after=3.2),
        catalogue.MembershipChanged(conversation=12, change="left", seq=0),
        catalogue.SessionEnded(),
    ]
    for event in events:
        as_dict = msgspec.to_builtins(event)
        before = json.dumps(as_dict, separators=(",", ":"), ensure_ascii=False, default=str)
        assert catalogue.serialise(event) == before
        assert catalogue.serialise(as_dict) == before


def test_validate_refuses_what_the_catalogue_does_not_say():
    message = msgspec.to_builtins(catalogue.Read(conversation=1, seq=2, unread=0, mentions=0))
    assert catalogue.validate(message) == catalogue.Read(
        conversation=1, seq=2, unread=0, mentions=0
    )
    user = {"id": 9, "username": "bob", "name": "Bob", "avatar": None, "bot": False}
    assert catalogue.validate({"type": "friend.added", "user": user})
    for bad, problem in [
        ({**message, "colour": 1}, "unknown field `colour`"),
        ({**message, "seq": "2"}, "Expected `int`, got `str` - at `$.seq`"),
        ({**message, "seq": True}, "Expected `int`, got `bool`"),
        ({**message, "type": "reed"}, "Invalid value 'reed'"),
        ({"type": "friend.added", "user": {**user, "email": "b@x"}}, "`$.user.email`"),
        ({"type": "friend.added", "user": {**user, "avatar": 1}}, "at `$.user.avatar`"),
        ({"type": "pong"}, "missing required field `ref`"),
    ]:
        with pytest.raises(msgspec.ValidationError, match=problem.replace("$", r"\$")):
            catalogue.validate(bad)


def test_an_error_event_carries_the_errors_details():
    error = ParleyError(ErrorCode.NOT_FOUND, "That conversation was not found.", conversation=12)
    assert msgspec.to_builtins(catalogue.error_event(error, 7, "c-1")) == {
        "type": "error",
        "ref": 7,
        "code": "not_found",
        "message": "That conversation was not found.",
        "client_id": "c-1",
        "conversation": 12,
    }


def test_every_detail_an_error_is_raised_with_is_a_field_of_the_error_event():
    """ParleyError(…, **details) anywhere in Parley: each detail must be one the error
    event has (error_event would fail on any other), tests aside."""
    fields = {f.encode_name for f in msgspec.structs.fields(catalogue.Error)}
    details: dict[str, str] = {}
    for path in PARLEY.rglob("*.py"):
        if "tests" in path.parts or "testing" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _name(node.func) in ("ParleyError", "invalid"):
                details.update({k.arg: str(path) for k in node.keywords if k.arg})
    assert details, "no ParleyError found"
    assert {k: where for k, where in details.items() if k not in fields} == {}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None
