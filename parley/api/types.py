"""The API's input types: what passes them is trusted by the endpoints (STYLE.md, 6).

Numbers in paths and query strings are ASCII digits only (no "+5", " 5", "1_0" or "²",
which Python's and pydantic's int() would take), within a database id's range. Bodies
are JSON objects read strictly (parley.core.validation.loads_strict), then checked
field by field with no coercion and no unknown fields.
"""

from typing import Annotated, Any

from annotated_types import Interval, MaxLen, MinLen
from django.conf import settings
from ninja import Schema
from ninja.parser import Parser
from pydantic import BeforeValidator, ConfigDict, StringConstraints

from parley.core.http import json_object

MAX_ID = 2**63 - 1


def _ascii_digits(value: Any) -> Any:
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            raise ValueError("must be a whole number in ASCII digits")
        return int(value)
    return value


# A whole number from a path or query string: the database's ids and seqs.
Number = Annotated[int, Interval(ge=0, le=MAX_ID), BeforeValidator(_ascii_digits)]
Id = Annotated[int, Interval(ge=1, le=MAX_ID), BeforeValidator(_ascii_digits)]


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number in a JSON body, after its Interval: 7, or 7.0, the same number to JSON and
# to JSON Schema's "integer"; never "7" or true (bodies are strict).
Whole = BeforeValidator(_whole)
BodyId = Annotated[int, Interval(ge=1, le=MAX_ID), Whole]
BodyNumber = Annotated[int, Interval(ge=0, le=MAX_ID), Whole]
# A username (parley.accounts.models.user) in a query or a JSON body. In a path it is
# plain text: one that cannot exist is not found, like any unknown name.
Username = Annotated[str, MinLen(1), MaxLen(32)]
# A page size or a page number.
UpTo100 = Annotated[int, Interval(ge=1, le=100), BeforeValidator(_ascii_digits)]
# Text that must say something: a character other than white space (which is stripped),
# stated in the document as a pattern that clients' validators and generators read. Not
# \S, which means other characters to ECMA-262 (the document's regex dialect), Rust
# (pydantic) and Python: this is the complement of exactly what str.strip() removes.
NOT_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
Said = Annotated[str, StringConstraints(min_length=1, pattern=NOT_BLANK)]
# A room's or a chat's title, as the room actions take it (parley.messaging.actions.rooms).
Title = Annotated[Said, MaxLen(80)]
Description = Annotated[str, MaxLen(1000)]
# A message's Markdown and the sender's id for it (parley.messaging.actions.send).
MessageBody = Annotated[Said, MaxLen(settings.MESSAGE_MAX_CHARS)]
# A send's body, which may be empty when it carries attachments (the action checks).
MessageBodyOrEmpty = Annotated[str, MaxLen(settings.MESSAGE_MAX_CHARS)]
ClientId = Annotated[str, StringConstraints(pattern=r"^[-A-Za-z0-9_]{1,64}$")]


class Input(Schema):
    """A request body: exactly these fields, each of its declared JSON type."""

    model_config = ConfigDict(strict=True, extra="forbid")


class StrictParser(Parser):
    """Bodies through parley.core.http.json_object: bounded size and depth, no NaN, no
    duplicate keys, storable text, an object."""

    def parse_body(self, request: Any) -> dict[str, Any]:
        return json_object(request)
