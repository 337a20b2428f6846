"""What the API answers, typed for the OpenAPI document: pages around the catalogue's
shapes (parley/events/catalogue.py), so a message or a conversation reads the same in
an event, a history page and a search result."""

from typing import Literal, NotRequired

from typing_extensions import TypedDict

from parley.events.catalogue import (
    Attachment,
    CallData,
    ConversationSummary,
    FriendRequestData,
    MessageData,
    Refusal,
    Role,
    RoomRef,
    Status,
    UserSummary,
)


class ErrorDetail(TypedDict):
    code: str  # parley.core.errors.ErrorCode, the same codes as the socket's
    message: str
    field: NotRequired[str]  # the input it is about
    reason: NotRequired[str]  # a refused upload's kind: too_many_pixels, type_mismatch, …
    retry_after: NotRequired[float]  # seconds, when rate limited (also Retry-After)
    refused: NotRequired[list[Refusal]]  # a broadcast nobody could receive: each why


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


class Sent(TypedDict):
    """A send's answer: the fields of the socket's ack, and the message."""

    id: int
    seq: int
    conversation: int
    client_id: str
    duplicate: bool  # a resend: the original message, nothing new stored or published
    message: MessageData


class Changed(TypedDict):
    """An edit's, a delete's, a reaction's or a move's answer: the fields of the socket's
    done (the message's id and the change's seq), and the message as it is now."""

    id: int
    seq: int | None  # null: nothing changed (the same text, a reaction already there)
    message: MessageData


class ReadState(TypedDict):
    """Your read marker in a conversation, as the socket's read event carries it."""

    conversation: int
    seq: int  # never moved back, never past the conversation's last seq
    unread: int
    mentions: int  # unread messages that mention you


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
    tokens: list[Token]  # newest first
    has_more: bool
    next: str | None  # the `after` of the next page; null on the last


class NewToken(TypedDict):
    token: str  # shown this once; only its digest is kept
    details: Token


class RoomData(TypedDict):
    """A room as the caller sees it."""

    id: int
    slug: str  # its address, /rooms/<slug>/ (a private room's changes with its title)
    title: str
    description: str
    private: bool
    archived: bool
    role: Role | None  # the caller's; null when not a member
    member_count: int


class RoomList(TypedDict):
    rooms: list[RoomData]
    has_more: bool
    next: str | None


class Member(TypedDict):
    user: UserSummary
    role: Role
    joined_at: str


class MemberPage(TypedDict):
    members: list[Member]  # the owner, then admins, then by username
    has_more: bool
    next: str | None


class Chat(TypedDict):
    id: int  # its conversation's: history, sends and events use it
    room: int
    title: str
    description: str
    default: bool  # the room's first chat, "general" unless renamed


class ChatList(TypedDict):
    chats: list[Chat]


class Invite(TypedDict):
    id: int
    room: RoomRef
    invitee: UserSummary
    invited_by: UserSummary
    created_at: str


class InvitePage(TypedDict):
    invites: list[Invite]  # newest first
    has_more: bool
    next: str | None


class PeoplePage(TypedDict):
    people: list[UserSummary]  # by username
    has_more: bool
    next: str | None  # the last username, when more follow


# How someone stands to the caller (parley.accounts.selectors.Relationship).
RelationshipName = Literal[
    "self", "none", "friends", "request_sent", "request_received", "blocked", "blocked_by"
]


class Profile(UserSummary):
    display_name: str  # as set ("" for none: `name` is then the username)
    bio: str
    photo: str | None  # the 256 px photo's URL
    relationship: RelationshipName
    can_message: bool  # whether the caller may start a direct conversation with them


class Standing(TypedDict):
    user: UserSummary
    relationship: RelationshipName  # after the change


class FriendList(TypedDict):
    friends: list[UserSummary]  # by username
    has_more: bool
    next: str | None  # the last username, when more follow


class FriendRequestList(TypedDict):
    requests: list[FriendRequestData]  # oldest first
    has_more: bool
    next: str | None  # the last id, when more follow


class BlockList(TypedDict):
    blocked: list[UserSummary]  # by username
    has_more: bool
    next: str | None  # the last username, when more follow


class CallList(TypedDict):
    calls: list[CallData]  # newest first


class PresenceMap(TypedDict):
    presence: dict[str, Status]  # user id → status; whoever is missing is offline


class Bot(TypedDict):
    user: UserSummary
    active: bool
    created_at: str
    endpoint_url: str | None  # its outgoing webhook (docs/integrations.md), or none


class ChangedBot(Bot):
    # The signing secret, when this change gave the bot its first endpoint: shown once.
    endpoint_secret: str | None


class EndpointSecret(TypedDict):
    secret: str  # shown this once; the old one stopped working


class BotList(TypedDict):
    bots: list[Bot]  # by username
    has_more: bool
    next: str | None  # the last username, when more follow


# What any endpoint may answer besides its success (ErrorBody each): bad input, no or a
# bad token, a read-only token writing, missing or not yours, over a rate limit, the
# database briefly away.
class NotificationPreferences(TypedDict):
    do_not_disturb: bool
    email: bool
    push: bool
    desktop: bool
    email_rooms: bool
    email_delay_seconds: int
    # Levels chosen ("everything", "mentions", "nothing"), by conversation id and room id;
    # the defaults elsewhere: `defaults`.
    conversations: dict[str, str]
    rooms: dict[str, str]
    defaults: dict[str, str]


class NotificationLevel(TypedDict):
    conversation: int | None
    room: int | None
    level: str


ERRORS = {code: ErrorBody for code in (400, 401, 403, 404, 413, 429, 503)}
# ...and one that may meet a conflict (a taken address, already a member).
WITH_CONFLICT = {**ERRORS, 409: ErrorBody}


class Uploaded(TypedDict):
    """An upload's answer: its id for a send's `attachments`, and how it will show."""

    attachment: Attachment
