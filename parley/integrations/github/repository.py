"""ping, release, fork, star and watch: events about the repository as a whole."""

from parley.integrations import markdown as md
from parley.integrations.github.common import (
    FormattedPost,
    Options,
    Payload,
    actor,
    repo_link,
    topic,
)
from parley.integrations.payload import flag, items, obj, text

MAX_EVENTS_LISTED = 12


def format_ping(payload: Payload, options: Options) -> FormattedPost | None:
    if obj(payload, "repository"):
        target = repo_link(obj(payload, "repository"))
    else:
        org = text(payload, "organization", "login")
        target = f"the organization {md.plain(org, 60)}" if org else "GitHub"
    events = [event for event in items(payload, "hook", "events") if isinstance(event, str)]
    if "*" in events:
        listed = "all events"
    elif events:
        listed = ", ".join(md.code(event, 60) for event in events[:MAX_EVENTS_LISTED])
        if len(events) > MAX_EVENTS_LISTED:
            listed += f" and {len(events) - MAX_EVENTS_LISTED} more"
    else:
        listed = "no events yet"
    return FormattedPost(
        f"{actor(payload)} set up a GitHub webhook for {target}, sending {listed}.",
        topic(payload),
    )


def format_release(payload: Payload, options: Options) -> FormattedPost | None:
    if text(payload, "action") != "published":
        return None
    release = obj(payload, "release")
    tag = text(release, "tag_name")
    name = text(release, "name")
    kind = "pre-release" if flag(release, "prerelease") else "release"
    label = md.plain(name or tag or "(untitled)", 120)
    line = f"{actor(payload)} published {kind} {md.link(label, text(release, 'html_url'))}"
    if tag and name and name != tag:
        line += f" (tag {md.code(tag)})"
    return FormattedPost(f"{line}.", topic(payload))


def format_fork(payload: Payload, options: Options) -> FormattedPost | None:
    forkee = obj(payload, "forkee")
    line = f"{actor(payload)} forked {repo_link(obj(payload, 'repository'))}"
    if forkee:
        line += f" to {repo_link(forkee)}"
    return FormattedPost(f"{line}.", topic(payload))


def _starred(payload: Payload) -> FormattedPost:
    return FormattedPost(
        f"{actor(payload)} starred {repo_link(obj(payload, 'repository'))}.", topic(payload)
    )


def format_star(payload: Payload, options: Options) -> FormattedPost | None:
    return _starred(payload) if text(payload, "action") == "created" else None


def format_watch(payload: Payload, options: Options) -> FormattedPost | None:
    # GitHub's "watch" event is starring under its old name (watching proper has no event).
    return _starred(payload) if text(payload, "action") == "started" else None
