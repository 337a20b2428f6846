"""The search box's language, parsed into a SearchQuery that the backends can trust.

    deploy "exact phrase" -staging from:alice in:design in:@bob
    before:2026-02-01 after:2026-01-01 has:link has:attachment has:image is:unread

Words and "phrases" must all match; -word and -"phrase" must not. from: and in: may be
repeated (any of them); before:/after: days are excluded (after:2026-01-01 starts on
2 January). A word that merely contains a colon (https://…, TODO:) is a word.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from parley.core.errors import ErrorCode, ParleyError

QUERY_MAX_CHARS = 300
TERMS_MAX = 10
OPERATORS = frozenset({"from", "in", "before", "after", "has", "is"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_SPACE = re.compile(r"\s")
_ENDINGS = ("ing", "ed", "es", "s")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Term:
    """A word or a phrase to find in message text."""

    text: str
    phrase: bool = False

    @property
    def literal(self) -> bool:
        """Also matched as a substring: identifiers, URLs, numbers and phrases.

        Anything of three or more characters that is not a plain word (contains a
        non-letter), e.g. parse_frame, example.com/docs, v2.3, "exact phrase".
        """
        return len(self.text) >= 3 and not self.text.isalpha()

    @property
    def stem(self) -> str:
        """A plain word without a common English ending, for prefix matches where the
        database does not stem (MariaDB) and for highlighting: deploying → deploy."""
        lowered = self.text.lower()
        for ending in _ENDINGS:
            if lowered.endswith(ending) and len(lowered) - len(ending) >= 4:
                return self.text[: -len(ending)]
        return self.text


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()
    senders: tuple[str, ...] = ()  # usernames, any of them
    rooms: tuple[str, ...] = ()  # room slugs or titles, any of them
    direct_with: tuple[str, ...] = ()  # usernames: the direct conversation with them
    before: date | None = None  # messages before this day (in the current time zone)
    after: date | None = None  # messages after this day
    has_link: bool = False
    has_attachment: bool = False  # a file of any kind
    has_image: bool = False  # an image file (JPEG, PNG, GIF, WebP)
    unread: bool = False

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.excluded)


def _invalid(message: str) -> ParleyError:
    return ParleyError(ErrorCode.INVALID, message, field="q")


def _tokens(text: str) -> list[tuple[bool, str, str | None, bool]]:
    """(negated, text, operator name or None, quoted) for each token, left to right."""
    tokens: list[tuple[bool, str, str | None, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end  # an unclosed quote runs to the end
            tokens.append((negated, text[i + 1 : end], None, True))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] != '"':
            i += 1
        word = text[start:i]
        name, colon, value = word.partition(":")
        if colon and name.lower() in OPERATORS:
            if not value and i < n and text[i] == '"':  # in:"Design team"
                end = text.find('"', i + 1)
                end = n if end < 0 else end
                value, i = text[i + 1 : end], end + 1
            tokens.append((negated, value.strip(), name.lower(), False))
        else:
            tokens.append((negated, word, None, False))
    return tokens


_HAS = {"link": "link", "attachment": "attachment", "file": "attachment", "image": "image"}
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)


def _day(name: str, value: str, today: date) -> date:
    lowered = value.lower()
    if lowered == "today":
        return today
    if lowered == "yesterday":
        return today - timedelta(days=1)
    try:
        if _DATE.match(value):
            day = date.fromisoformat(value)
            # Dates are turned into moments a day either side: keep clear of the ends.
            if not _FIRST_DAY <= day <= _LAST_DAY:
                raise _invalid(f"{name}: takes a date between {_FIRST_DAY:%Y} and {_LAST_DAY:%Y}.")
            return day
    except ValueError:
        pass
    raise _invalid(f"“{value}” is not a date: write {name}:YYYY-MM-DD, e.g. {name}:2026-01-31.")


def _username(name: str, value: str) -> str:
    value = value.removeprefix("@")
    if not value or _SPACE.search(value):
        raise _invalid(f"{name}: needs a username, e.g. {name}:alice.")
    return value[:32]


def parse_query(text: str, *, today: date) -> SearchQuery:
    """Parse the search box's text. Bad input raises ParleyError(INVALID) saying why.

    `today` (in the current time zone) gives before:today and after:yesterday a meaning.
    Terms without a letter or digit ("--", "…") are ignored.
    """
    if len(text) > QUERY_MAX_CHARS:
        raise _invalid(f"A search can be at most {QUERY_MAX_CHARS} characters.")
    text = _CONTROL.sub(" ", text)  # NUL cannot even be sent to PostgreSQL
    terms: list[Term] = []
    excluded: list[Term] = []
    senders: list[str] = []
    rooms: list[str] = []
    direct_with: list[str] = []
    before: date | None = None
    after: date | None = None
    unread = False
    has: set[str] = set()
    for negated, value, operator, quoted in _tokens(text):
        if operator is not None and negated:
            raise _invalid(f"Only words and phrases can be excluded with “-”, not {operator}:.")
        if operator is None:
            value = " ".join(value.split())
            if any(c.isalnum() for c in value):
                (excluded if negated else terms).append(Term(value, phrase=quoted))
        elif not value:
            raise _invalid(f"{operator}: needs a value, e.g. {_EXAMPLES[operator]}.")
        elif operator == "from":
            senders.append(_username("from", value))
        elif operator == "in":
            if value.startswith("@"):
                direct_with.append(_username("in", value))
            else:
                rooms.append(value[:80])
        elif operator == "before":
            day = _day("before", value, today)
            before = day if before is None else min(before, day)
        elif operator == "after":
            day = _day("after", value, today)
            after = day if after is None else max(after, day)
        elif operator == "has":
            kind = value.lower()
            if kind not in _HAS:
                raise _invalid(
                    f"has: can be has:link, has:attachment or has:image, not has:{value}."
                )
            has.add(_HAS[kind])
        elif operator == "is":
            if value.lower() != "unread":
                raise _invalid(f"is: can only be is:unread, not is:{value}.")
            unread = True
    if len(terms) + len(excluded) > TERMS_MAX:
        raise _invalid(f"Search for at most {TERMS_MAX} words and phrases at once.")
    query = SearchQuery(
        terms=tuple(terms),
        excluded=tuple(excluded),
        senders=tuple(senders),
        rooms=tuple(rooms),
        direct_with=tuple(direct_with),
        before=before,
        after=after,
        has_link="link" in has,
        has_attachment="attachment" in has,
        has_image="image" in has,
        unread=unread,
    )
    if query == SearchQuery():
        raise _invalid("Type something to search for.")
    return query


_EXAMPLES = {
    "from": "from:alice",
    "in": "in:design or in:@bob",
    "before": "before:2026-01-31",
    "after": "after:2026-01-01",
    "has": "has:link",
    "is": "is:unread",
}
