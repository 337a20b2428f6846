"""workflow_run, check_run and check_suite: CI results, failures only unless asked."""

from collections.abc import Mapping
from typing import Any

from parley.integrations import markdown as md
from parley.integrations.github.common import (
    FormattedPost,
    Options,
    Payload,
    commit_link,
    topic,
)
from parley.integrations.payload import number, obj, text

# Conclusions that are nobody's problem: posted only with include_successes. A cancelled
# run was stopped by someone (or superseded by a newer push), a stale one by GitHub.
QUIET_CONCLUSIONS = frozenset({"success", "neutral", "skipped", "cancelled", "stale"})

_OUTCOMES = {
    "success": ("✅", "succeeded"),
    "failure": ("❌", "failed"),
    "startup_failure": ("❌", "failed to start"),
    "timed_out": ("⏱️", "timed out"),
    "action_required": ("⚠️", "needs action"),
    "cancelled": ("⏹️", "was cancelled"),
    "skipped": ("⏭️", "was skipped"),
    "neutral": ("⚪", "finished (neutral)"),
    "stale": ("⚪", "went stale"),
}


def _outcome(conclusion: str) -> tuple[str, str]:
    known = _OUTCOMES.get(conclusion)
    if known is not None:
        return known
    return "❔", f"finished ({md.plain(conclusion, 40)})" if conclusion else "finished"


def _completed(payload: Payload, options: Options, conclusion: str) -> bool:
    """Whether a completed run is posted: failures always, the rest when asked for."""
    if text(payload, "action") != "completed":
        return False
    return options.include_successes or conclusion not in QUIET_CONCLUSIONS


def _result(
    payload: Payload, subject: str, conclusion: str, branch: str, detail: str = ""
) -> FormattedPost:
    icon, verb = _outcome(conclusion)
    on = f" on {md.code(branch)}" if branch else ""
    line = f"{icon} {subject} {verb}{on}"
    return FormattedPost(f"{line}:\n{detail}" if detail else f"{line}.", topic(payload, "CI"))


def _commit_detail(payload: Payload, sha: str, head_commit: Mapping[str, Any]) -> str:
    """ "Commit [`3484a3f`](url) First line of the message", or "" without a commit."""
    if not sha:
        return ""
    summary = text(head_commit, "message").partition("\n")[0]
    line = f"Commit {commit_link(payload, sha)}"
    return f"{line} {md.plain(summary, 100)}" if summary else line


def format_workflow_run(payload: Payload, options: Options) -> FormattedPost | None:
    run = obj(payload, "workflow_run")
    conclusion = text(run, "conclusion")
    if not _completed(payload, options, conclusion):
        return None
    name = (
        text(run, "name")
        or text(payload, "workflow", "name")
        or text(run, "path").rpartition("/")[2]
        or "workflow"
    )
    num = number(run, "run_number")
    label = md.plain(f"{name} #{num}" if num is not None else name, 100)
    subject = f"Workflow {md.link(label, text(run, 'html_url'))}"
    head = obj(run, "head_commit")
    detail = _commit_detail(payload, text(run, "head_sha") or text(head, "id"), head)
    return _result(payload, subject, conclusion, text(run, "head_branch"), detail)


def format_check_run(payload: Payload, options: Options) -> FormattedPost | None:
    check = obj(payload, "check_run")
    conclusion = text(check, "conclusion")
    if not _completed(payload, options, conclusion):
        return None
    label = md.plain(text(check, "name") or "check", 100)
    subject = f"Check {md.link(label, text(check, 'html_url') or text(check, 'details_url'))}"
    output = text(check, "output", "title")
    if output:
        subject += f" ({md.plain(output, 100)})"
    suite = obj(check, "check_suite")
    detail = _commit_detail(payload, text(check, "head_sha"), obj(suite, "head_commit"))
    return _result(payload, subject, conclusion, text(suite, "head_branch"), detail)


def format_check_suite(payload: Payload, options: Options) -> FormattedPost | None:
    suite = obj(payload, "check_suite")
    conclusion = text(suite, "conclusion")
    if not _completed(payload, options, conclusion):
        return None
    app = text(suite, "app", "name")
    subject = f"Checks by {md.bold(md.plain(app, 60))}" if app else "Checks"
    head = obj(suite, "head_commit")
    detail = _commit_detail(payload, text(suite, "head_sha") or text(head, "id"), head)
    return _result(payload, subject, conclusion, text(suite, "head_branch"), detail)
