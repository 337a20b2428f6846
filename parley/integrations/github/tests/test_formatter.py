"""The formatter's choices beyond the captured deliveries: filters, caps, variants."""

import pytest

from parley.integrations.github import SUPPORTED_EVENTS, format_event
from parley.integrations.github.tests.fixtures import delivery


def _post(name, change=None, **options):
    fixture = delivery(name)
    payload = fixture.payload
    if change is not None:
        change(payload)
    return format_event(fixture.event, payload, **options)


@pytest.mark.parametrize(
    ("branches", "posted"),
    [
        (None, True),
        ([], True),
        (["master"], True),
        (["main", "mast*"], True),
        (["main"], False),
        (["release/*"], False),
        (["MASTER"], False),
        ("master", True),  # one name, not its letters
        ("main", False),
    ],
)
def test_branch_filter_on_pushes(branches, posted):
    assert (_post("push__commits", branches=branches) is not None) is posted
    assert (_post("push__branch_created", branches=branches) is not None) is posted


def test_branch_filter_covers_branch_deletion_and_force_pushes():
    for name in ("push__branch_deleted", "push__force"):  # both on `changes`
        assert _post(name, branches=["master"]) is None
        assert _post(name, branches=["changes"]) is not None


def test_branch_filter_leaves_tags_alone():
    for name in ("push__tag_created", "push__tag_deleted", "create__tag", "delete__tag"):
        assert _post(name, branches=["main"]) is not None


def test_branch_filter_on_created_and_deleted_branches():
    def branch(payload):
        payload["ref"], payload["ref_type"] = "feature/login", "branch"

    assert _post("create__tag", branch, branches=["main"]) is None
    assert _post("delete__tag", branch, branches=["feature/*"]).body == (
        "**Codertocat** deleted branch `feature/login`."
    )
    assert _post("create__tag", branch).body == (
        "**Codertocat** created branch "
        "[`feature/login`](https://github.com/Codertocat/Hello-World/tree/feature/login)."
    )


def test_long_pushes_list_ten_commits_and_link_the_rest():
    def many(payload):
        commit = payload["commits"][0]
        payload["commits"] = [
            {**commit, "id": f"{n:040x}", "message": f"Change {n}\n\nDetails {n}"}
            for n in range(25)
        ]

    lines = _post("push__commits", many).body.split("\n")
    assert lines[0].startswith("**Codertocat** [pushed 25 commits](https://github.com/")
    assert len(lines) == 1 + 10 + 1
    assert lines[1] == (
        "* [`0000000`](https://github.com/Codertocat/Hello-World/commit/"
        "686780cab026a3d61fc1ba4c33dd7a1ff49274e7) Change 0"
    )
    assert lines[-1] == (
        "* [and 15 more commits](https://github.com/Codertocat/Hello-World/"
        "compare/6113728f27ae...78b3ba12002f)"
    )


def test_a_commit_message_shows_its_first_line_escaped_and_shortened():
    def message(payload):
        payload["commits"] = payload["commits"][:1]
        payload["commits"][0]["message"] = "Fix #12: `x` @alice " + "y" * 200 + "\n\nbody"

    line = _post("push__commits", message).body.split("\n")[1]
    assert line.endswith(r" Fix \#12\: \`x\` \@alice " + "y" * 79 + "…")  # 100 characters


def test_a_force_push_with_new_commits_lists_them():
    def rewritten(payload):
        payload["commits"] = delivery("push__commits").payload["commits"][:1]

    assert _post("push__force", rewritten).body == (
        "**Codertocat** [force-pushed](https://github.com/Codertocat/Hello-World/compare/"
        "ec26c3e57ca3...6113728f27ae) branch `changes` with 1 commit:\n"
        "* [`686780c`](https://github.com/Codertocat/Hello-World/commit/"
        "686780cab026a3d61fc1ba4c33dd7a1ff49274e7) Fix the spelling of 'commit' in the README"
    )


def test_a_comment_on_a_pull_request_says_so():
    def on_pr(payload):
        payload["issue"]["pull_request"] = {
            "url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"
        }

    post = _post("issue_comment__created", on_pr)
    assert post.topic == "Hello-World / PR #1"
    assert post.body.startswith("**Codertocat** commented on pull request [#1 Spelling")


def test_a_pull_request_from_a_fork_names_the_fork():
    def fork(payload):
        payload["pull_request"]["head"]["repo"]["full_name"] = "monalisa/Hello-World"
        payload["pull_request"]["head"]["label"] = "monalisa:changes"

    assert " from `monalisa:changes` into `master`:" in _post("pull_request__opened", fork).body


def test_a_draft_pull_request():
    def draft(payload):
        payload["pull_request"]["draft"] = True

    assert _post("pull_request__opened", draft).body.startswith(
        "**Codertocat** opened draft pull request [#2 "
    )


def test_a_review_requested_from_a_team():
    def team(payload):
        del payload["requested_reviewer"]
        payload["requested_team"] = {"name": "Justice League", "slug": "justice-league"}

    assert _post("pull_request__review_requested", team).body.startswith(
        "**Codertocat** requested a review from team **Justice League** on pull request [#2 "
    )


def test_review_states():
    def state(value):
        def change(payload):
            payload["review"]["state"] = value

        return change

    assert (
        " requested changes on pull request "
        in _post("pull_request_review__submitted", state("changes_requested")).body
    )
    assert " reviewed pull request " in _post("pull_request_review__submitted", state("x")).body
    assert _post("pull_request_review__submitted", lambda p: p.update(action="dismissed")) is None


def test_an_issue_closed_as_not_planned():
    def not_planned(payload):
        payload["issue"]["state_reason"] = "not_planned"

    assert _post("issues__closed", not_planned).body.endswith(
        "(https://github.com/Codertocat/Hello-World/issues/1) as not planned."
    )


def test_assigning_someone_else():
    def other(payload):
        payload["assignee"] = {"login": "octocat", "html_url": "https://github.com/octocat"}

    assert _post("issues__assigned", other).body.startswith(
        "**Codertocat** assigned **octocat** to issue [#1 "
    )


def test_comment_excerpts_are_bounded_and_leave_template_comments_out():
    def long_body(payload):
        payload["comment"]["body"] = (
            "<!-- Please describe the problem -->\r\n\r\n"
            + "\n".join(f"Line {n} of the comment" for n in range(1, 20))
            + "\n"
            + "word " * 200
        )

    body = _post("issue_comment__created", long_body).body
    assert body.split("\n")[1:] == [
        "> Line 1 of the comment",
        "> Line 2 of the comment",
        "> Line 3 of the comment",
        "> Line 4 of the comment",
        "> Line 5 of the comment",
        "> Line 6 of the comment …",
    ]


def test_an_excerpt_cut_in_a_long_line():
    def long_line(payload):
        payload["issue"]["body"] = "word " * 100

    body = _post("issues__opened", long_line).body
    excerpt = body.split("\n", 1)[1]
    assert excerpt.startswith("> word word ") and excerpt.endswith("word…")
    assert len(excerpt) <= 2 + 300


def test_a_release_with_a_name_and_a_pre_release():
    def named(payload):
        payload["release"]["name"] = "First light"
        payload["release"]["prerelease"] = True

    assert _post("release__published", named).body == (
        "**Codertocat** published pre-release "
        "[First light](https://github.com/Codertocat/Hello-World/releases/tag/0.0.1)"
        " (tag `0.0.1`)."
    )
    assert _post("release__published", lambda p: p.update(action="created")) is None


@pytest.mark.parametrize(
    ("conclusion", "posted"),
    [
        ("failure", "❌ {run} failed on `master`:"),
        ("timed_out", "⏱️ {run} timed out on `master`:"),
        ("startup_failure", "❌ {run} failed to start on `master`:"),
        ("action_required", "⚠️ {run} needs action on `master`:"),
        ("something_new", "❔ {run} finished (something\\_new) on `master`:"),
        ("success", None),
        ("neutral", None),
        ("skipped", None),
        ("cancelled", None),
        ("stale", None),
    ],
)
def test_workflow_conclusions(conclusion, posted):
    def concluded(payload):
        payload["workflow_run"]["conclusion"] = conclusion

    post = _post("workflow_run__completed", concluded)
    run = r"Workflow [test \#163](https://github.com/octo-org/octo-repo/actions/runs/289782451)"
    assert (post and post.body.split("\n")[0]) == (posted and posted.format(run=run))
    assert _post("workflow_run__completed", concluded, include_successes=True) is not None


def test_only_completed_runs_post():
    for name in ("workflow_run__completed_failure", "check_run__completed_failure"):
        assert _post(name, lambda p: p.update(action="requested")) is None


def test_a_check_run_shows_its_output_title():
    def titled(payload):
        payload["check_run"]["output"]["title"] = "3 lint errors"

    assert _post("check_run__completed_failure", titled).body.startswith(
        "❌ Check [Octocoders\\-linter](https://github.com/Codertocat/Hello-World/runs/128620228)"
        " (3 lint errors) failed on `changes`:"
    )


def test_a_ping_from_an_organization_hook_listing_its_events():
    def org(payload):
        del payload["repository"]
        payload["organization"] = {"login": "Octocoders"}
        payload["hook"]["events"] = ["push", "pull_request"]

    post = _post("ping", org)
    assert post.topic == "Octocoders"
    assert post.body == (
        "**Codertocat** set up a GitHub webhook for the organization Octocoders, "
        "sending `push`, `pull_request`."
    )


def test_links_go_only_to_web_addresses():
    def sneaky(payload):
        payload["pull_request"]["html_url"] = "javascript:alert(1)"

    assert "](" not in _post("pull_request__closed", sneaky).body


def test_unstarring_and_unknown_events_post_nothing():
    assert _post("star__created", lambda p: p.update(action="deleted")) is None
    assert format_event("gollum", delivery("ping").payload) is None
    assert format_event("", {}) is None


def test_supported_events_are_those_of_the_issue():
    assert set(SUPPORTED_EVENTS) == {
        "ping", "push", "pull_request", "pull_request_review", "pull_request_review_comment",
        "issues", "issue_comment", "release", "workflow_run", "check_run", "check_suite",
        "create", "delete", "fork", "star", "watch", "discussion", "discussion_comment",
    }  # fmt: skip


def test_a_push_without_new_commits_moves_the_branch():
    def fast_forward(payload):
        payload["commits"] = []

    assert _post("push__commits", fast_forward).body == (
        "**Codertocat** [moved](https://github.com/Codertocat/Hello-World/compare/"
        "6113728f27ae...78b3ba12002f) branch `master` to [`78b3ba1`](https://github.com/"
        "Codertocat/Hello-World/commit/78b3ba12002f9cab5cbb57fac87d8c703702a196)."
    )
