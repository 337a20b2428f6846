"""PostgreSQL: websearch_to_tsquery on the stored, GIN-indexed tsvector, ranked by ts_rank,
ts_headline says which words matched; literal terms also match as substrings (pg_trgm)."""

from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchRank,
    SearchVectorField,
)
from django.contrib.postgres.search import (
    SearchQuery as TsQuery,
)
from django.db.models import Expression, F, Q, QuerySet

from parley.messaging.models import Message
from parley.search.backends.base import START, STOP, SearchBackend, marked_words
from parley.search.query import SearchQuery, Term
from parley.search.schema import PG_CONFIG


class StoredVector(Expression):
    """messaging_message.search_vector: the generated column the migration adds."""

    output_field = SearchVectorField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.search_vector", []


def _websearch(text: str) -> TsQuery:
    return TsQuery(text, config=PG_CONFIG, search_type="websearch")


def _quoted(term: Term) -> str:
    """`term` quoted for websearch_to_tsquery, so that its "-" or "or" are plain text.

    (The parser never leaves a double quote inside a term.)
    """
    return f'"{term.text}"'


def _tsquery(term: Term) -> TsQuery:
    return _websearch(_quoted(term))


def _any_of(terms: tuple[Term, ...]) -> TsQuery:
    return _websearch(" or ".join(map(_quoted, terms)))


class PostgresBackend(SearchBackend):
    reports_words = True

    def prepare(self, messages: QuerySet[Message], query: SearchQuery) -> QuerySet[Message]:
        return messages.alias(search_vector=StoredVector())

    def matches(self, term: Term) -> Q:
        words = Q(search_vector=_tsquery(term))
        return words | Q(body__icontains=term.text) if term.literal else words

    def order(self, messages: QuerySet[Message], query: SearchQuery) -> QuerySet[Message]:
        if not query.terms:
            return super().order(messages, query)
        # Normalisation 1 divides by 1 + log(length): a short message about the words
        # comes before a long one that mentions them in passing.
        rank = SearchRank(F("search_vector"), _any_of(query.terms), normalization=1)
        return messages.alias(rank=rank).order_by("-rank", "-created_at", "-pk")

    def highlights(self, ids: list[int], query: SearchQuery) -> dict[int, set[str]]:
        if not query.terms or not ids:
            return {}
        # Only the marked words are used: ts_headline leaves out text that looks like
        # HTML tags, so its output is never shown.
        headline = SearchHeadline(
            "body",
            _any_of(query.terms),
            config=PG_CONFIG,
            start_sel=START,
            stop_sel=STOP,
            highlight_all=True,
        )
        rows = Message.objects.filter(pk__in=ids).annotate(headline=headline)
        return {pk: marked_words(text) for pk, text in rows.values_list("pk", "headline")}
