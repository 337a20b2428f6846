"""Message search across every conversation a user is in, and nothing else."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError
from parley.events.catalogue import MessageData
from parley.files.models import Attachment
from parley.messaging.events import MESSAGE_RELATED, message_dict, plain_excerpt
from parley.messaging.models import Conversation, Message
from parley.messaging.selectors import direct_key, other_members, title_for
from parley.search.backends import backend_for
from parley.search.backends.base import SearchBackend
from parley.search.query import SearchQuery, Term, parse_query
from parley.search.snippets import snippet

PAGE_SIZE = 20
PAGE_MAX = 100


@dataclass(frozen=True)
class SearchResult:
    message: Message
    conversation: dict[str, Any]  # {"id", "title", "kind"}
    snippet: SafeString  # escaped text with <mark>s

    @property
    def url(self) -> str:
        """The chat page, opened at this message."""
        path = reverse("chat_conversation", args=[self.message.conversation_id])
        return f"{path}?at={self.message.seq}"


@dataclass(frozen=True)
class SearchPage:
    query: SearchQuery
    results: list[SearchResult]
    page: int
    has_next: bool

    def as_dict(self) -> dict[str, Any]:
        """The JSON of GET /api/v1/search (docs/search.md)."""
        dicts = _message_dicts([r.message for r in self.results])
        return {
            "results": [
                {
                    "message": d,
                    "conversation": r.conversation,
                    "snippet": str(r.snippet),
                    "url": r.url,
                }
                for r, d in zip(self.results, dicts, strict=True)
            ],
            "page": self.page,
            "has_next": self.has_next,
        }


def _message_dicts(messages: list[Message]) -> list[MessageData]:
    """Messages as clients see them everywhere else. The messages come with
    MESSAGE_RELATED; if message_dict comes to need more, fetch it here, once per page."""
    return [message_dict(m) for m in messages]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(user: User, query: SearchQuery) -> QuerySet[Message]:
    """The messages `user` can read that pass `query`'s operators (not its words)."""
    membership: dict[str, Any] = {"conversation__participants__user": user}
    if query.unread:  # the same join: this user's read position in that conversation
        membership["seq__gt"] = F("conversation__participants__last_read_seq")
    # Deleted and moved messages are tombstones: never found.
    messages = Message.objects.filter(**membership, deleted_at=None, moved_to=None)
    if query.senders:
        senders = Q()
        for username in query.senders:
            senders |= Q(sender__username__iexact=username)
        messages = messages.filter(senders)
    if query.rooms or query.direct_with:
        places = Q()
        for room in query.rooms:
            places |= Q(conversation__room__slug__iexact=room)
            places |= Q(conversation__room__title__iexact=room)
        if query.direct_with:
            others = Q()
            for username in query.direct_with:
                others |= Q(username__iexact=username)
            ids = User.objects.filter(others).values_list("pk", flat=True)
            keys = [direct_key(user.pk, other) for other in ids if other != user.pk]
            places |= Q(conversation__direct_key__in=keys)
        messages = messages.filter(places)
    if query.before is not None:
        messages = messages.filter(created_at__lt=_start_of(query.before))
    if query.after is not None:
        messages = messages.filter(created_at__gte=_start_of(query.after + timedelta(days=1)))
    if query.has_link:
        messages = messages.filter(html__contains="<a href=")
    if query.has_attachment:
        messages = messages.filter(Exists(_files()))
    if query.has_image:
        messages = messages.filter(Exists(_files().exclude(thumbnail="")))
    return messages


def _files() -> QuerySet[Attachment]:
    """The files of the message of the outer query."""
    return Attachment.objects.filter(message=OuterRef("pk"))


def _matches(backend: SearchBackend, term: Term) -> Q:
    """The messages whose text has `term`, or one of whose files' names contains it."""
    return backend.matches(term) | Q(Exists(_files().filter(name__icontains=term.text)))


def _titles(user: User, conversations: list[Conversation]) -> dict[int, dict[str, Any]]:
    """{"id", "title", "kind"} per conversation, titled as in the conversation list."""
    others = other_members(user, [c.pk for c in conversations])
    return {
        c.pk: {"id": c.pk, "title": title_for(user, c, others.get(c.pk, [])), "kind": c.kind}
        for c in conversations
    }


def search_messages(user: User, query: str, page: int = 1) -> SearchPage:
    """Page `page` (from 1) of the messages `user` can read that match `query`.

    The syntax is parley.search.query's. Ranked by relevance on PostgreSQL when there
    are words to rank by, else newest first. Messages with an empty body (deleted, or
    moved elsewhere) are never found. Raises ParleyError(INVALID) for a bad query or page.
    """
    if not 1 <= page <= PAGE_MAX:
        raise ParleyError(ErrorCode.INVALID, f'"page" must be from 1 to {PAGE_MAX}.')
    parsed = parse_query(query, today=timezone.localdate())
    backend = backend_for(connection.vendor)
    messages = backend.prepare(_filtered(user, parsed), parsed)
    for term in parsed.terms:
        messages = messages.filter(_matches(backend, term))
    for term in parsed.excluded:
        messages = messages.exclude(_matches(backend, term))
    offset = (page - 1) * PAGE_SIZE
    rows = list(
        backend.order(messages, parsed).select_related(*MESSAGE_RELATED, "conversation__room")[
            offset : offset + PAGE_SIZE + 1
        ]
    )
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    matched = backend.highlights([m.pk for m in rows], parsed)
    titles = _titles(user, list({m.conversation_id: m.conversation for m in rows}.values()))
    results = [
        SearchResult(
            message=m,
            conversation=titles[m.conversation_id],
            # The message's text as it reads, not its Markdown source (no ** or ```).
            snippet=snippet(
                plain_excerpt(m.html, limit=len(m.html) + 1),
                parsed.terms,
                matched.get(m.pk, set()) if backend.reports_words else None,
            ),
        )
        for m in rows
    ]
    return SearchPage(query=parsed, results=results, page=page, has_next=has_next)
