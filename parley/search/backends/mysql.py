"""MariaDB/MySQL: the InnoDB FULLTEXT index in boolean mode (prefix matches, no stemming).

FULLTEXT cannot find words shorter than innodb_ft_min_token_size or on the stopword
list, so a term with such a word is matched with REGEXP on word boundaries (a phrase:
LIKE) instead. Literal terms also match as substrings (LIKE). No ranking, no headlines:
results are newest first and snippets are highlighted in Python.
"""

import re

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from parley.search.backends.base import SearchBackend
from parley.search.query import Term

# MySQL's full-text words: letters, digits and underscores.
_WORD = re.compile(r"\w+")
# The boolean-mode query is a parameter; it is built from the term's words only.
_MATCH = "MATCH(`messaging_message`.`body`) AGAINST (%s IN BOOLEAN MODE) > 0"
_settings: dict[str, tuple[int, int, frozenset[str]]] = {}


def _ft_settings() -> tuple[int, int, frozenset[str]]:
    """(shortest and longest indexed word, stopwords) of the server, read once per process."""
    key = connection.settings_dict["NAME"]
    if key not in _settings:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT @@innodb_ft_min_token_size, @@innodb_ft_max_token_size, "
                "@@innodb_ft_enable_stopword"
            )
            shortest, longest, stopwords_on = cursor.fetchone()
            stopwords: frozenset[str] = frozenset()
            if stopwords_on:
                cursor.execute("SELECT value FROM information_schema.INNODB_FT_DEFAULT_STOPWORD")
                stopwords = frozenset(row[0].lower() for row in cursor.fetchall())
        _settings[key] = (int(shortest), int(longest), stopwords)
    return _settings[key]


def _indexed(term: Term) -> bool:
    """Whether FULLTEXT can find every word of `term`."""
    shortest, longest, stopwords = _ft_settings()
    words = _WORD.findall(term.text.lower())
    return bool(words) and all(shortest <= len(w) <= longest and w not in stopwords for w in words)


def _boolean(term: Term) -> str:
    """`term` in boolean-mode syntax: a word as a prefix (deploy*), else a phrase."""
    if not term.phrase and _WORD.fullmatch(term.text):
        return f"{term.stem}*"
    return '"' + " ".join(_WORD.findall(term.text)) + '"'


def _whole_word(term: Term) -> Q:
    return Q(body__iregex=r"(^|\W)" + re.escape(term.text) + r"(\W|$)")


class MysqlBackend(SearchBackend):
    def matches(self, term: Term) -> Q:
        if _indexed(term):
            match = RawSQL(_MATCH, [_boolean(term)], output_field=BooleanField())  # noqa: S611
            words = Q(match)
        elif term.phrase:
            return Q(body__icontains=term.text)
        else:
            words = _whole_word(term)
        return words | Q(body__icontains=term.text) if term.literal else words
