"""Pull requests, reviews, issues, discussions and the comments on them."""

from parley.integrations import markdown as md
from parley.integrations.github.common import (
    FormattedPost,
    Options,
    Payload,
    actor,
    item_link,
    numbered_topic,
    user,
    with_excerpt,
)
from parley.integrations.payload import flag, obj, text

_REVIEW_VERBS = {
    "approved": "approved",
    "changes_requested": "requested changes on",
    "commented": "reviewed",
}


def _branches(pr: Payload) -> str:
    """ " from `head` into `base`" (the head as owner:branch when it is in a fork), or as
    much of it as the payload tells."""
    head = obj(pr, "head")
    forked = text(head, "repo", "full_name") != text(pr, "base", "repo", "full_name")
    name = (forked and text(head, "label")) or text(head, "ref")
    base = text(pr, "base", "ref")
    return (f" from {md.code(name)}" if name else "") + (f" into {md.code(base)}" if base else "")


def format_pull_request(payload: Payload, options: Options) -> FormattedPost | None:
    action = text(payload, "action")
    pr = obj(payload, "pull_request")
    who = actor(payload)
    what = f"pull request {item_link(pr)}"
    if action == "opened":
        draft = "draft " if flag(pr, "draft") else ""
        line = f"{who} opened {draft}{what}{_branches(pr)}"
        body = with_excerpt(line, text(pr, "body"))
    elif action == "closed" and flag(pr, "merged"):
        base = text(pr, "base", "ref")
        into = f" into {md.code(base)}" if base else ""
        body = f"{who} merged {what}{into}."
    elif action == "closed":
        body = f"{who} closed {what} without merging."
    elif action == "reopened":
        body = f"{who} reopened {what}."
    elif action == "ready_for_review":
        body = f"{who} marked {what} as ready for review."
    elif action == "review_requested":
        team = text(payload, "requested_team", "name")
        if team:
            reviewer = f"team {md.bold(md.plain(team, 60))}"
        else:
            reviewer = user(obj(payload, "requested_reviewer"))
        body = f"{who} requested a review from {reviewer} on {what}."
    else:
        return None
    return FormattedPost(body, numbered_topic(payload, "PR", pr))


def format_pull_request_review(payload: Payload, options: Options) -> FormattedPost | None:
    if text(payload, "action") != "submitted":
        return None
    pr, review = obj(payload, "pull_request"), obj(payload, "review")
    verb = _REVIEW_VERBS.get(text(review, "state").lower(), "reviewed")
    line = f"{actor(payload)} {verb} pull request {item_link(pr, text(review, 'html_url'))}"
    body = with_excerpt(line, text(review, "body"))
    return FormattedPost(body, numbered_topic(payload, "PR", pr))


def format_pull_request_review_comment(payload: Payload, options: Options) -> FormattedPost | None:
    if text(payload, "action") != "created":
        return None
    pr, comment = obj(payload, "pull_request"), obj(payload, "comment")
    path = text(comment, "path")
    where = f" on {md.code(path, 200)}" if path else ""
    line = f"{actor(payload)} commented{where} in pull request "
    line += item_link(pr, text(comment, "html_url"))
    body = with_excerpt(line, text(comment, "body"))
    return FormattedPost(body, numbered_topic(payload, "PR", pr))


def format_issues(payload: Payload, options: Options) -> FormattedPost | None:
    action = text(payload, "action")
    issue = obj(payload, "issue")
    who = actor(payload)
    what = f"issue {item_link(issue)}"
    if action == "opened":
        body = with_excerpt(f"{who} opened {what}", text(issue, "body"))
    elif action == "closed":
        reason = " as not planned" if text(issue, "state_reason") == "not_planned" else ""
        body = f"{who} closed {what}{reason}."
    elif action == "reopened":
        body = f"{who} reopened {what}."
    elif action == "assigned":
        assignee = obj(payload, "assignee")
        login = text(assignee, "login")
        themselves = bool(login) and login == text(payload, "sender", "login")
        body = f"{who} assigned {'themselves' if themselves else user(assignee)} to {what}."
    elif action == "labeled":
        label = text(payload, "label", "name")
        shown = f"the label {md.code(label, 60)}" if label else "a label"
        body = f"{who} added {shown} to {what}."
    else:
        return None
    return FormattedPost(body, numbered_topic(payload, "issue", issue))


def format_issue_comment(payload: Payload, options: Options) -> FormattedPost | None:
    if text(payload, "action") != "created":
        return None
    issue, comment = obj(payload, "issue"), obj(payload, "comment")
    # Comments on pull requests come as issue comments whose issue has a pull_request key.
    is_pr = bool(obj(issue, "pull_request"))
    kind, short = ("pull request", "PR") if is_pr else ("issue", "issue")
    line = f"{actor(payload)} commented on {kind} {item_link(issue, text(comment, 'html_url'))}"
    return FormattedPost(
        with_excerpt(line, text(comment, "body")), numbered_topic(payload, short, issue)
    )


def format_discussion(payload: Payload, options: Options) -> FormattedPost | None:
    action = text(payload, "action")
    discussion = obj(payload, "discussion")
    who = actor(payload)
    if action == "created":
        category = text(discussion, "category", "name")
        where = f" in {md.bold(md.plain(category, 60))}" if category else ""
        line = f"{who} started discussion {item_link(discussion)}{where}"
        body = with_excerpt(line, text(discussion, "body"))
    elif action == "answered":
        answer = obj(payload, "answer")
        by = obj(answer, "user")
        chosen = md.link("an answer", text(answer, "html_url"))
        chosen += f" by {user(by)}" if by else ""
        line = f"{who} marked {chosen} in discussion {item_link(discussion)}"
        body = with_excerpt(line, text(answer, "body"))
    else:
        return None
    return FormattedPost(body, numbered_topic(payload, "discussion", discussion))


def format_discussion_comment(payload: Payload, options: Options) -> FormattedPost | None:
    if text(payload, "action") != "created":
        return None
    discussion, comment = obj(payload, "discussion"), obj(payload, "comment")
    line = f"{actor(payload)} commented on discussion "
    line += item_link(discussion, text(comment, "html_url"))
    return FormattedPost(
        with_excerpt(line, text(comment, "body")), numbered_topic(payload, "discussion", discussion)
    )
