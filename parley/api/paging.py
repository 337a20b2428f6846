"""Keyset paging for the API's lists: `after` a cursor, `limit` rows, `has_more` and `next`.

A list is a selector's queryset, ordered as the page views show it; its `order_by` (plain
field names, the last of them unique) is the key. A page is the rows past the cursor in
that order, so rows added or removed while a client walks the list never shift a page.
With a one-field key (a username, an id) the cursor is that field's value; with a longer
one (a title then an id, a date then an id) it is the last row's key signed by the server
(django.core.signing, salted with the list's model and order), so a cursor that this list
did not give is refused rather than read.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from annotated_types import MaxLen, MinLen
from django.core import signing
from django.db.models import Model, Q, QuerySet
from pydantic import Field

from parley.core.errors import ErrorCode, ParleyError

Row = TypeVar("Row", bound=Model)

# A cursor as `next` gave it. The longest key is a room's: 80 characters of title, each
# up to 12 in JSON (an escaped surrogate pair), in base64, and the signature.
# Opaque: only a `next` that this list gave is one (anything else is refused, 400 naming
# "after"), which no schema can state.
Cursor = Annotated[
    str,
    MinLen(1),
    MaxLen(2000),
    Field(description='The "next" of the page before (opaque, signed); anything else is refused.'),
]


def _order(rows: "QuerySet[Any]") -> tuple[str, ...]:
    order = tuple(field for field in rows.query.order_by if isinstance(field, str))
    if not order or len(order) != len(rows.query.order_by):
        raise TypeError("keyset paging needs a queryset ordered by field names")
    return order


def _past(order: Sequence[str], key: Sequence[Any]) -> Q:
    """Rows after `key` in `order`: the first field further on, or equal and the next
    field further on, and so on."""
    past, equal = Q(), Q()
    for field, value in zip(order, key, strict=True):
        name = field.removeprefix("-")
        past |= equal & Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        equal &= Q(**{name: value})
    return past


def _value(row: Model, field: str) -> Any:
    value: Any = row
    for part in field.removeprefix("-").split("__"):
        value = getattr(value, part)
    return value.isoformat() if isinstance(value, datetime) else value


def _salt(rows: "QuerySet[Any]", order: Sequence[str]) -> str:
    return f"parley.api.paging:{rows.model._meta.label}:{','.join(order)}"


def _key(rows: "QuerySet[Any]", order: Sequence[str], after: object) -> Sequence[Any]:
    if len(order) == 1:
        return (after,)
    try:
        key = signing.loads(str(after), salt=_salt(rows, order))
    except (signing.BadSignature, ValueError):
        key = None
    if not isinstance(key, list) or len(key) != len(order):
        raise ParleyError(
            ErrorCode.INVALID,
            '"after" is not a cursor of this list: pass the "next" of the page before.',
            field="after",
        )
    return key


def keyset_page(
    rows: "QuerySet[Row]", after: object | None, limit: int
) -> tuple[list[Row], str | None]:
    """Up to `limit` of the ordered `rows` past the cursor `after` (None: from the start),
    and the cursor of the page after them (None when no rows follow)."""
    order = _order(rows)
    if after is not None:
        rows = rows.filter(_past(order, _key(rows, order, after)))
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, None
    last = [_value(found[limit - 1], field) for field in order]
    if len(order) == 1:
        return found[:limit], str(last[0])
    return found[:limit], signing.dumps(last, salt=_salt(rows, order))


def paged(
    rows: "QuerySet[Row]",
    after: object | None,
    limit: int,
    name: str,
    shape: Callable[[Row], Any],
) -> dict[str, Any]:
    """The answer of a paged list: `name` (the rows in `shape`), `has_more` and `next`."""
    found, cursor = keyset_page(rows, after, limit)
    return {name: [shape(row) for row in found], "has_more": cursor is not None, "next": cursor}
