"""What the API answers, typed for the OpenAPI document: pages around the catalogue's
shapes (parley/events/catalogue.py), so a message or a conversation reads the same in
an event, a history page and a search result."""

from typing import Literal, NotRequired

from typing_extensions import TypedDict

from parley.events.catalogue import ConversationSummary, MessageData, UserSummary


class ErrorDetail(TypedDict):
    code: str  # parley.core.errors.ErrorCode, the same codes as the socket's
    message: str
    field: NotRequired[str]  # the input it is about
    retry_after: NotRequired[float]  # seconds, when rate limited (also Retry-After)


class ErrorBody(TypedDict):
    error: ErrorDetail


class ConversationList(TypedDict):
    conversations: list[ConversationSummary]


class HistoryPage(TypedDict):
    conversation: int
    messages: list[MessageData]  # newest first
    has_more: bool  # older messages exist
    has_newer: bool
    last_seq: int
    last_read_seq: int
    anchor: NotRequired[int]  # the seq asked for with ?around=


class Version(TypedDict):
    body: str
    html: str
    at: str


class MessageVersions(TypedDict):
    message: int
    versions: list[Version]  # oldest first; the current one last


class MemberMatches(TypedDict):
    members: list[UserSummary]


class Rendered(TypedDict):
    html: str
    mentions: list[int]


class SearchConversation(TypedDict):
    id: int
    title: str
    kind: Literal["chat", "direct", "group"]


class SearchResult(TypedDict):
    message: MessageData
    conversation: SearchConversation
    snippet: str  # escaped HTML with <mark>s
    url: str


class SearchResults(TypedDict):
    results: list[SearchResult]
    page: int
    has_next: bool


class Token(TypedDict):
    id: int
    name: str
    scope: Literal["read", "write"]
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked: bool


class TokenList(TypedDict):
    tokens: list[Token]


class NewToken(TypedDict):
    token: str  # shown this once; only its digest is kept
    details: Token


class Bot(TypedDict):
    user: UserSummary
    active: bool
    created_at: str


class BotList(TypedDict):
    bots: list[Bot]


# What any endpoint may answer besides its success (ErrorBody each): bad input, no or a
# bad token, a read-only token writing, missing or not yours, over a rate limit, the
# database briefly away.
ERRORS = {code: ErrorBody for code in (400, 401, 403, 404, 413, 429, 503)}
