"""push, create and delete: commits pushed, branches and tags created, moved and deleted."""

from collections.abc import Mapping
from typing import Any

from parley.integrations import markdown as md
from parley.integrations.github.common import (
    FormattedPost,
    Options,
    Payload,
    actor,
    commit_link,
    ref_link,
    topic,
)
from parley.integrations.payload import flag, items, obj, text

MAX_COMMITS = 10
ZERO_SHA = "0" * 40


def _commits(count: int, adjective: str = "") -> str:
    words = f"{count} {adjective} " if adjective else f"{count} "
    return f"{words}commit" if count == 1 else f"{words}commits"


def _commit_line(payload: Payload, commit: Mapping[str, Any]) -> str:
    """ "* [`6113728`](url) First line of the message", with the author when it is not the
    pusher."""
    sha = text(commit, "id")
    summary = text(commit, "message").partition("\n")[0]
    line = f"* {commit_link(payload, sha, text(commit, 'url'))} "
    line += md.plain(summary, 100) if summary else "(no message)"
    author = obj(commit, "author")
    login = text(author, "username")
    if login:
        pusher = login == text(payload, "sender", "login")
    else:
        login = text(author, "name")
        pusher = not login or login == text(payload, "pusher", "name")
    return line if pusher else f"{line} — {md.plain(login, 60)}"


def _commit_list(payload: Payload, commits: list[Mapping[str, Any]]) -> str:
    lines = [_commit_line(payload, commit) for commit in commits[:MAX_COMMITS]]
    if len(commits) > MAX_COMMITS:
        more = f"and {_commits(len(commits) - MAX_COMMITS, 'more')}"
        lines.append(f"* {md.link(more, text(payload, 'compare'))}")
    return "\n".join(lines)


def _with_commits(line: str, payload: Payload, commits: list[Mapping[str, Any]]) -> str:
    return f"{line}:\n{_commit_list(payload, commits)}" if commits else f"{line}."


def format_push(payload: Payload, options: Options) -> FormattedPost | None:
    ref = text(payload, "ref")
    who = actor(payload)
    deleted = flag(payload, "deleted") or text(payload, "after") == ZERO_SHA
    created = flag(payload, "created") or text(payload, "before") == ZERO_SHA
    if ref.startswith("refs/tags/"):
        tag = ref.removeprefix("refs/tags/")
        if deleted:
            return FormattedPost(f"{who} deleted tag {md.code(tag)}.", topic(payload))
        return FormattedPost(f"{who} pushed tag {ref_link(payload, tag)}.", topic(payload))
    if not ref.startswith("refs/heads/"):
        return None
    branch = ref.removeprefix("refs/heads/")
    if not options.wants_branch(branch):
        return None
    where = topic(payload, branch)
    if deleted:
        return FormattedPost(f"{who} deleted branch {md.code(branch)}.", where)
    commits = [commit for commit in items(payload, "commits") if isinstance(commit, Mapping)]
    compare = text(payload, "compare")
    count = _commits(len(commits))
    head = commit_link(payload, text(payload, "after"), text(payload, "head_commit", "url"))
    if created:
        line = f"{who} created branch {ref_link(payload, branch)}"
        line += f" with {count}" if commits else ""
    elif flag(payload, "forced"):
        line = f"{who} {md.link('force-pushed', compare)} branch {md.code(branch)}"
        line += f" with {count}" if commits else f" to {head}"
    elif commits:
        line = f"{who} {md.link(f'pushed {count}', compare)} to {md.code(branch)}"
    else:  # moved to commits it already had, e.g. a fast-forward to another branch's head
        line = f"{who} {md.link('moved', compare)} branch {md.code(branch)} to {head}"
    return FormattedPost(_with_commits(line, payload, commits), where)


def _ref_event(payload: Payload, options: Options, verb: str) -> FormattedPost | None:
    kind = text(payload, "ref_type")
    name = text(payload, "ref")
    if kind not in ("branch", "tag") or not name:
        return None
    if kind == "branch" and not options.wants_branch(name):
        return None
    shown = ref_link(payload, name) if verb == "created" else md.code(name)
    return FormattedPost(f"{actor(payload)} {verb} {kind} {shown}.", topic(payload))


def format_create(payload: Payload, options: Options) -> FormattedPost | None:
    return _ref_event(payload, options, "created")


def format_delete(payload: Payload, options: Options) -> FormattedPost | None:
    return _ref_event(payload, options, "deleted")
