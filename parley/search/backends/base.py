"""What every search backend offers (SearchBackend), and the substring backend for
databases without a full-text index."""

import re

from django.db.models import Q, QuerySet

from parley.messaging.models import Message
from parley.search.query import SearchQuery, Term

# Around each match in the database's highlighted text (ts_headline, FTS5 highlight()).
START, STOP = "\x02", "\x03"
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)


def marked_words(highlighted: str) -> set[str]:
    """The pieces of text a database function put between START and STOP."""
    return {" ".join(w.split()) for w in _MARKED.findall(highlighted) if w.strip()}


class SearchBackend:
    """Newest first; subclasses match words through an index."""

    # Whether highlights() reports the matched words (else snippets guess by prefix).
    reports_words = False

    def prepare(self, messages: QuerySet[Message], query: SearchQuery) -> QuerySet[Message]:
        """Add what matches() and order() refer to (an alias of an index column)."""
        return messages

    def matches(self, term: Term) -> Q:
        """The messages whose body contains `term` (as words, or as a substring)."""
        raise NotImplementedError

    def order(self, messages: QuerySet[Message], query: SearchQuery) -> QuerySet[Message]:
        return messages.order_by("-created_at", "-pk")

    def highlights(self, ids: list[int], query: SearchQuery) -> dict[int, set[str]]:
        """For each of these messages, the words of it that the database matched (in
        any form: a stemmed "deploy" matches "deployed"), where it can say."""
        return {}


class SubstringBackend(SearchBackend):
    """Any other database: case-insensitive substrings, no index."""

    def matches(self, term: Term) -> Q:
        return Q(body__icontains=term.text)
