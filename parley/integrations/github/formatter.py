"""format_event: one GitHub delivery (event name and parsed body) to a message, or None."""

from collections.abc import Callable, Collection, Mapping
from typing import Any

from parley.integrations.github import checks, refs, repository, threads
from parley.integrations.github.common import FormattedPost, Options, Payload

Formatter = Callable[[Payload, Options], FormattedPost | None]

_FORMATTERS: dict[str, Formatter] = {
    "ping": repository.format_ping,
    "push": refs.format_push,
    "create": refs.format_create,
    "delete": refs.format_delete,
    "pull_request": threads.format_pull_request,
    "pull_request_review": threads.format_pull_request_review,
    "pull_request_review_comment": threads.format_pull_request_review_comment,
    "issues": threads.format_issues,
    "issue_comment": threads.format_issue_comment,
    "discussion": threads.format_discussion,
    "discussion_comment": threads.format_discussion_comment,
    "release": repository.format_release,
    "workflow_run": checks.format_workflow_run,
    "check_run": checks.format_check_run,
    "check_suite": checks.format_check_suite,
    "fork": repository.format_fork,
    "star": repository.format_star,
    "watch": repository.format_watch,
}

# The X-GitHub-Event names that can post, in the order a set-up page would list them.
SUPPORTED_EVENTS: tuple[str, ...] = tuple(_FORMATTERS)


def format_event(
    event: str,
    payload: Mapping[str, Any],
    *,
    branches: Collection[str] | None = None,
    include_successes: bool = False,
) -> FormattedPost | None:
    """The message to post for a delivery of `event` (the X-GitHub-Event header) with the
    parsed JSON `payload`, or None when it posts nothing: an event or action that the
    package's docstring does not list, a branch outside `branches` (names or shell
    patterns, a single string being one name; None or empty lets all through; applies
    to branch pushes and to branches created or deleted), or a CI result that is not a
    failure unless `include_successes`.

    Pure and total: it reads nothing but its arguments, and any payload (missing keys,
    nulls, wrong types, not even an object) gives a message or None, never an exception.
    """
    formatter = _FORMATTERS.get(event)
    if formatter is None or not isinstance(payload, Mapping):
        return None
    if isinstance(branches, str):
        branches = [branches]
    return formatter(payload, Options(branches=branches, include_successes=include_successes))
