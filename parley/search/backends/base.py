from django.db.models import Q, QuerySet

from parley.messaging.models import Message
from parley.search.query import SearchQuery, Term

# Around each match in a headline; removed (and the text HTML-escaped) by snippets.py.
START, STOP = "\x02", "\x03"


class SearchBackend:
    """Newest first, with no headlines; subclasses match words through an index."""

    def prepare(self, messages: QuerySet[Message], query: SearchQuery) -> QuerySet[Message]:
        """Add what matches() and order() refer to (an alias of an index column)."""
        return messages

    def matches(self, term: Term) -> Q:
        """The messages whose body contains `term` (as words, or as a substring)."""
        raise NotImplementedError

    def order(self, messages: QuerySet[Message], query: SearchQuery) -> QuerySet[Message]:
        return messages.order_by("-created_at", "-pk")

    def headlines(self, ids: list[int], query: SearchQuery) -> dict[int, str]:
        return {}


class SubstringBackend(SearchBackend):
    """Any other database: case-insensitive substrings, no index."""

    def matches(self, term: Term) -> Q:
        return Q(body__icontains=term.text)
