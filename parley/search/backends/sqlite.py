"""SQLite: FTS5 (porter stemming) through the external-content table the migration adds;
FTS5 highlight() says which words matched. Literal terms also match as substrings (LIKE)."""

import json

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from parley.search.backends.base import START, STOP, SearchBackend, marked_words
from parley.search.query import SearchQuery, Term

# Only the MATCH string is user input, always as a parameter.
_IDS = "SELECT rowid FROM search_message_fts WHERE search_message_fts MATCH %s"
_HIGHLIGHT = (
    "SELECT rowid, highlight(search_message_fts, 0, %s, %s) FROM search_message_fts "
    "WHERE search_message_fts MATCH %s AND rowid IN (SELECT value FROM json_each(%s))"
)


def fts_string(term: Term) -> str | None:
    """`term` as one FTS5 string (a phrase of its tokens), or None if it has no token."""
    if not any(c.isalnum() for c in term.text):
        return None
    return '"' + term.text.replace('"', '""') + '"'


def _any_of(terms: tuple[Term, ...]) -> str | None:
    strings = [s for s in map(fts_string, terms) if s]
    return " OR ".join(strings) or None


class SqliteBackend(SearchBackend):
    reports_words = True

    def matches(self, term: Term) -> Q:
        match = fts_string(term)
        words = Q(pk__in=RawSQL(_IDS, [match])) if match else Q(pk__in=[])  # noqa: S611
        return words | Q(body__icontains=term.text) if term.literal else words

    def highlights(self, ids: list[int], query: SearchQuery) -> dict[int, set[str]]:
        match = _any_of(query.terms)
        if match is None or not ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(_HIGHLIGHT, [START, STOP, match, json.dumps(ids)])
            return {pk: marked_words(text) for pk, text in cursor.fetchall()}
