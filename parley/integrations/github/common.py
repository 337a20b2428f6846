"""What every GitHub event formatter shares: the result type, the caller's options, and
the actor, repository, reference and topic pieces of a message."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import quote

from parley.integrations import markdown as md
from parley.integrations.payload import number, obj, text

Payload = Mapping[str, Any]

TOPIC_MAX = 80  # a chat's title holds 80 characters
TITLE_MAX = 120


@dataclass(frozen=True, slots=True)
class FormattedPost:
    """A message to post for one GitHub delivery.

    `body` is Parley message Markdown in which everything GitHub sent is escaped (no
    mention, link or markup comes from the payload; links are to http(s) URLs only).
    `topic` is plain text of at most 80 characters, a suggestion for callers that file
    posts by subject: "<repository>", "<repository> / <branch>", "<repository> / PR #2",
    "<repository> / issue #1", "<repository> / discussion #4" or "<repository> / CI".
    """

    body: str
    topic: str


@dataclass(frozen=True, slots=True)
class Options:
    branches: Collection[str] | None = None
    include_successes: bool = False

    def wants_branch(self, branch: str) -> bool:
        """Whether posts about `branch` pass the filter: no filter (None or empty) lets
        every branch through; otherwise a name or shell-style pattern ("release/*") must
        match it exactly."""
        return not self.branches or any(fnmatchcase(branch, name) for name in self.branches)


def actor(payload: Payload) -> str:
    """The person who did it, in bold: the sender's login (a push's pusher as a fallback)."""
    login = text(payload, "sender", "login") or text(payload, "pusher", "name")
    return md.bold(md.plain(login, 60)) if login else "Someone"


def user(value: Mapping[str, Any]) -> str:
    login = text(value, "login") or text(value, "name")
    return md.bold(md.plain(login, 60)) if login else "someone"


def repo_name(payload: Payload) -> str:
    """The repository's short name, for topics ("Hello-World")."""
    repository = obj(payload, "repository")
    name = text(repository, "name") or text(repository, "full_name").rpartition("/")[2]
    return name or text(payload, "organization", "login") or "GitHub"


def repo_link(repository: Mapping[str, Any]) -> str:
    """The repository's full name linked to its page."""
    name = text(repository, "full_name") or text(repository, "name") or "a repository"
    return md.link(md.plain(name, 100), text(repository, "html_url"))


def repo_url(payload: Payload, *path: str) -> str:
    """A page of the repository (`path` segments quoted), or "" without its address."""
    base = text(payload, "repository", "html_url").rstrip("/")
    if not base:
        return ""
    return "/".join([base, *(quote(md.clean(part), safe="/") for part in path)])


def ref_link(payload: Payload, name: str) -> str:
    """A branch or tag name in code, linked to its tree on GitHub."""
    return md.link(md.code(name), repo_url(payload, "tree", name))


def short_sha(sha: str) -> str:
    return md.code(sha[:7] or "unknown")


def commit_link(payload: Payload, sha: str, url: str = "") -> str:
    """A commit's short id in code, linked to the commit."""
    return md.link(short_sha(sha), url or (repo_url(payload, "commit", sha) if sha else ""))


def item_link(item: Mapping[str, Any], url: str = "") -> str:
    """A pull request, issue or discussion as "#2 Title" linked to `url` or its own page."""
    num = number(item, "number")
    title = md.plain(text(item, "title"), TITLE_MAX)
    label = " ".join(part for part in (f"#{num}" if num is not None else "", title) if part)
    return md.link(label or "(untitled)", url or text(item, "html_url"))


def with_excerpt(line: str, body: str) -> str:
    """`line` ended with ":" and a quoted excerpt of `body`, or with "." when it is empty."""
    excerpt = md.quote_excerpt(body)
    return f"{line}:\n{excerpt}" if excerpt else f"{line}."


def topic(payload: Payload, detail: str = "") -> str:
    name = md.one_line(repo_name(payload), TOPIC_MAX)
    return md.shorten(f"{name} / {md.one_line(detail, TOPIC_MAX)}" if detail else name, TOPIC_MAX)


def numbered_topic(payload: Payload, kind: str, item: Mapping[str, Any]) -> str:
    """ "<repo> / PR #2", or just the repository when the number is missing."""
    num = number(item, "number")
    return topic(payload, f"{kind} #{num}" if num is not None else "")
