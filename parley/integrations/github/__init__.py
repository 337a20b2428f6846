"""GitHub webhooks: what a delivery posts, and whether it came from GitHub.

The webhook view verifies a delivery with `verify_signature(secret, raw_body,
X-Hub-Signature-256)`, parses the body, and calls `format_event(X-GitHub-Event, payload,
branches=..., include_successes=...)`: a `FormattedPost` (`body` in Parley's message
Markdown, `topic` a plain-text subject suggestion) or None for a delivery that posts
nothing. Both are pure functions; fixtures/ holds captured deliveries with their headers.

What each event posts (the actor is the sender's login, in bold; every piece of GitHub
text is escaped, so no title or login becomes markup, a link or a Parley @mention):

- ping: who set up the webhook for which repository (or organization) and its events.
- push: "pushed N commits to `branch`" linked to the compare view, then one line per
  commit (short id linked, first line of the message, the author when not the pusher),
  at most 10 and "and N more commits"; a force push ("force-pushed branch `x`", with its
  new commits or the commit it now points at); a branch created (with its commits) or
  deleted; a tag pushed or deleted. Other refs post nothing.
- create, delete: a branch or tag created (linked) or deleted. GitHub also sends a push
  for these, so a link usually ticks one or the other.
- pull_request: opened (draft or not, head and base branches, an excerpt of the
  description), closed without merging, merged (into `base`), reopened, ready for review,
  review requested (from a person or a team). Other actions post nothing.
- pull_request_review: submitted, as "approved", "requested changes on" or "reviewed",
  linked to the review, with an excerpt of its text.
- pull_request_review_comment: created, with the file and an excerpt.
- issues: opened (with an excerpt), closed (noting "as not planned"), reopened, assigned,
  labeled. Other actions post nothing.
- issue_comment: created, on an issue or a pull request, with an excerpt.
- discussion: created (with its category and an excerpt), answered (the chosen answer);
  discussion_comment: created, with an excerpt.
- release: published (a pre-release said so), linked, with its tag when it has a name.
- workflow_run, check_run, check_suite: completed, with the conclusion ("failed",
  "timed out", "needs action", ...), a link to the run or check and the head commit.
  Success, neutral, skipped, cancelled and stale post only with include_successes.
- fork: who forked the repository, to where. star (created) and watch (started, which
  is GitHub's old name for starring): who starred it. Unstarring posts nothing.

Excerpts quote at most 6 lines and 300 characters, without HTML comments (GitHub's
templates); titles are cut at 120 characters, commit lines at 100. The branch filter
(names or shell patterns such as "release/*"; None or empty for all branches) applies
to branch pushes and to branch creation and deletion; tags and CI results pass it.
Topics: "<repository> / <branch>" for branch pushes, "<repository> / PR #2",
"<repository> / issue #1", "<repository> / discussion #4", "<repository> / CI",
otherwise "<repository>" (its short name).
"""

from parley.integrations.github.common import FormattedPost
from parley.integrations.github.formatter import SUPPORTED_EVENTS, format_event
from parley.integrations.github.signature import verify_signature

__all__ = ["SUPPORTED_EVENTS", "FormattedPost", "format_event", "verify_signature"]
