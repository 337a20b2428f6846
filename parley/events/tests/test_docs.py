"""docs/protocol.md and the catalogue describe the same protocol.

Every event in parley.events.catalogue and every frame in parley.events.frames has an
example in docs/protocol.md, in the section of its direction; every example there is of a
type the catalogue knows, and holds: a server event validates against the catalogue, a
client frame passes the server's own parser. An example may shorten an object with
"…": "…" (its other fields): then the fields it shows are checked, and no others needed.
"""

import json
import re
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import msgspec
import pytest
from typing_extensions import is_typeddict  # the catalogue's TypedDicts come from there

from parley.events import catalogue, frames

PROTOCOL = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"
MORE = "…"  # "…": "…" stands for an object's other fields


def examples() -> list[tuple[str, str, Any]]:
    """Each JSON example in docs/protocol.md: (direction, heading, the object)."""
    found: list[tuple[str, str, Any]] = []
    section, heading = "", ""
    block: list[str] | None = None
    for line in PROTOCOL.read_text().splitlines():
        if block is not None:
            if line.startswith("```"):
                found += [(_direction(section, heading), heading, o) for o in _objects(block)]
                block = None
            else:
                block.append(line)
        elif line.startswith("```json"):
            block = []
        elif line.startswith("## "):
            section, heading = line[3:], ""
        elif line.startswith("### "):
            heading = line[4:]
    return found


def _direction(section: str, heading: str) -> str:
    for direction in ("client", "server"):
        other = "server" if direction == "client" else "client"
        if f"({direction} → {other})" in heading or section == f"{direction.title()} → {other}":
            return direction
    return "neither"


def _objects(lines: list[str]) -> list[Any]:
    """The JSON objects in a block, one after the other (one per line, or over several)."""
    text, objects, decoder = "\n".join(lines), [], json.JSONDecoder()
    at = 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        value, at = decoder.raw_decode(text, at)
        objects.append(value)
    return objects


EXAMPLES = examples()


def of(direction: str) -> list[Any]:
    return [example for d, _, example in EXAMPLES if d == direction]


def test_every_example_is_in_a_section_of_one_direction():
    assert EXAMPLES
    assert [(heading, example) for d, heading, example in EXAMPLES if d == "neither"] == []


def test_every_event_and_frame_in_the_catalogue_has_an_example():
    assert set(catalogue.EVENTS) - {event["type"] for event in of("server")} == set()
    assert set(frames.FRAMES) - {frame["type"] for frame in of("client")} == set()


@pytest.mark.parametrize("example", of("client"), ids=lambda frame: frame["type"])
def test_every_client_frame_example_is_accepted(example):
    assert isinstance(frames.parse(example), frames.Frame)


@pytest.mark.parametrize("example", of("server"), ids=lambda event: event["type"])
def test_every_server_event_example_is_in_the_catalogue(example):
    assert example["type"] in catalogue.EVENTS, "documented, but not in the catalogue"
    try:
        _check(example, catalogue.ServerEvent, "$")
    except msgspec.ValidationError as error:
        raise AssertionError(f"{error}\n{example}") from None


# --- checking an example that may be shortened -------------------------------------------


def _shortened(value: Any) -> bool:
    if isinstance(value, dict):
        return MORE in value or any(_shortened(item) for item in value.values())
    return isinstance(value, list) and any(_shortened(item) for item in value)


def _check(value: Any, shape: Any, path: str) -> None:
    """`value` against `shape`, a type of the catalogue; an object shortened with "…" only
    by the fields it shows."""
    shape = _without_unset(shape)
    if not _shortened(value):
        try:
            catalogue.validate_as(value, shape)
        except msgspec.ValidationError as error:
            raise msgspec.ValidationError(f"{error} (in `{path}`)") from None
    elif isinstance(value, list):
        (items,) = [get_args(s)[0] for s in _members(shape) if get_origin(s) is list]
        for index, item in enumerate(value):
            _check(item, items, f"{path}[{index}]")
    else:
        cls = _object_type(value, shape, path)
        fields, required = _fields(cls)
        for key, item in value.items():
            if key == MORE or (key == "type" and issubclass(cls, msgspec.Struct)):
                continue
            if key not in fields:
                raise msgspec.ValidationError(f"Object contains unknown field `{path}.{key}`")
            _check(item, fields[key], f"{path}.{key}")
        missing = required - set(value)
        if MORE not in value and missing:
            raise msgspec.ValidationError(f"Object missing fields {sorted(missing)} at `{path}`")


def _members(shape: Any) -> tuple[Any, ...]:
    return get_args(shape) if get_origin(shape) in (Union, types.UnionType) else (shape,)


def _without_unset(shape: Any) -> Any:
    kept = [s for s in _members(shape) if s is not msgspec.UnsetType]
    return Union[tuple(kept)] if len(kept) > 1 else kept[0]  # noqa: UP007 (built at run time)


def _object_type(value: dict[str, Any], shape: Any, path: str) -> type:
    """The Struct or TypedDict of `shape` that `value` is (an event by its "type")."""
    candidates = [
        s
        for s in _members(shape)
        if isinstance(s, type) and (issubclass(s, msgspec.Struct) or is_typeddict(s))
    ]
    events = [s for s in candidates if issubclass(s, msgspec.Struct)]
    if events:
        candidates = [s for s in events if s.__struct_config__.tag == value.get("type")]
    if len(candidates) != 1:
        raise msgspec.ValidationError(f"Expected {shape}, got an object at `{path}`")
    return candidates[0]


def _fields(cls: type) -> tuple[dict[str, Any], set[str]]:
    """Each field's type by its name in JSON, and the names of the required ones."""
    if issubclass(cls, msgspec.Struct):
        info = msgspec.structs.fields(cls)
        return {f.encode_name: f.type for f in info}, {f.encode_name for f in info if f.required}
    return get_type_hints(cls), set(cls.__required_keys__)  # type: ignore[attr-defined]


def test_a_shortened_example_is_checked_by_the_fields_it_shows():
    good = {
        "type": "message.deleted",
        "conversation": 1,
        "seq": 2,
        "message": {"id": 3, MORE: MORE},
    }
    _check(good, catalogue.ServerEvent, "$")
    for bad, problem in [
        ({**good, "message": {"id": "3", MORE: MORE}}, "got `str` (in `$.message.id`)"),
        ({**good, "message": {"colour": 3, MORE: MORE}}, "unknown field `$.message.colour`"),
        ({**good, "seq": None}, "Expected `int`, got `null`"),
        ({"type": "message.deleted", "message": {MORE: MORE}}, "missing fields ['conversation'"),
    ]:
        with pytest.raises(msgspec.ValidationError, match=re.escape(problem)):
            _check(bad, catalogue.ServerEvent, "$")
