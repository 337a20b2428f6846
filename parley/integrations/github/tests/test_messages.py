# ruff: noqa: E501 (the expected messages hold whole GitHub URLs; they read best unbroken)
"""What each captured GitHub delivery posts, exactly, and that no payload breaks the formatter."""

import pytest

from parley.integrations.github import format_event
from parley.integrations.github.tests.fixtures import delivery, names

# (topic, body) for each fixture with the default options; None: it posts nothing.
EXPECTED = {
    # Posted only with include_successes=True (SUCCESSES below).
    "check_run__completed": None,
    "check_run__completed_failure": (
        "Hello-World / CI",
        r"""❌ Check [Octocoders\-linter](https://github.com/Codertocat/Hello-World/runs/128620228) failed on `changes`:
Commit [`ec26c3e`](https://github.com/Codertocat/Hello-World/commit/ec26c3e57ca3a959ca5aad62de7213c562f8c821)""",
    ),
    # Posted only with include_successes=True (SUCCESSES below).
    "check_suite__completed": None,
    "check_suite__completed_failure": (
        "Hello-World / CI",
        r"""❌ Checks by **octocoders\-linter** failed on `changes`:
Commit [`ec26c3e`](https://github.com/Codertocat/Hello-World/commit/ec26c3e57ca3a959ca5aad62de7213c562f8c821) Update README\.md""",
    ),
    "create__tag": (
        "Hello-World",
        r"""**Codertocat** created tag [`simple-tag`](https://github.com/Codertocat/Hello-World/tree/simple-tag).""",
    ),
    "delete__tag": ("Hello-World", r"""**Codertocat** deleted tag `simple-tag`."""),
    "discussion__answered": (
        "Hello-World / discussion #4",
        r"""**Codertocat** marked [an answer](https://github.com/Codertocat/Hello-World/discussions/4#discussioncomment-550561) by **dan2wik** in discussion [#4 TEST edit](https://github.com/Codertocat/Hello-World/discussions/4):
> Poggers""",
    ),
    "discussion__created": (
        "Hello-World / discussion #4",
        r"""**Codertocat** started discussion [#4 TEST edit](https://github.com/Codertocat/Hello-World/discussions/4) in **General**:
> TEST edit""",
    ),
    "discussion_comment__created": (
        "Hello-World / discussion #4",
        r"""**Codertocat** commented on discussion [#4 TEST edit](https://github.com/Codertocat/Hello-World/discussions/4#discussioncomment-550062):
> ANSWER""",
    ),
    "fork": (
        "Hello-World",
        r"""**Octocoders** forked [Codertocat/Hello\-World](https://github.com/Codertocat/Hello-World) to [Octocoders/Hello\-World](https://github.com/Octocoders/Hello-World).""",
    ),
    "issue_comment__created": (
        "Hello-World / issue #1",
        r"""**Codertocat** commented on issue [#1 Spelling error in the README file](https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400):
> You are totally right\! I'll get this fixed right away\.""",
    ),
    "issues__assigned": (
        "Hello-World / issue #1",
        r"""**Codertocat** assigned themselves to issue [#1 Spelling error in the README file](https://github.com/Codertocat/Hello-World/issues/1).""",
    ),
    "issues__closed": (
        "Hello-World / issue #1",
        r"""**Codertocat** closed issue [#1 Spelling error in the README file](https://github.com/Codertocat/Hello-World/issues/1).""",
    ),
    "issues__edited": None,
    "issues__labeled": (
        "Hello-World / issue #1",
        r"""**Codertocat** added the label `bug` to issue [#1 Spelling error in the README file](https://github.com/Codertocat/Hello-World/issues/1).""",
    ),
    "issues__opened": (
        "Hello-World / issue #1",
        r"""**Codertocat** opened issue [#1 Spelling error in the README file](https://github.com/Codertocat/Hello-World/issues/1):
> It looks like you accidently spelled 'commit' with two 't's\.""",
    ),
    "issues__reopened": (
        "Hello-World / issue #1",
        r"""**Codertocat** reopened issue [#1 Spelling error in the README file](https://github.com/Codertocat/Hello-World/issues/1).""",
    ),
    "ping": (
        "Hello-World",
        r"""**Codertocat** set up a GitHub webhook for [Octocoders/Hello\-World](https://github.com/Octocoders/Hello-World), sending all events.""",
    ),
    "pull_request__closed": (
        "Hello-World / PR #2",
        r"""**Codertocat** closed pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2) without merging.""",
    ),
    "pull_request__closed_merged": (
        "Hello-World / PR #2",
        r"""**Codertocat** merged pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2) into `master`.""",
    ),
    "pull_request__opened": (
        "Hello-World / PR #2",
        r"""**Codertocat** opened pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2) from `changes` into `master`:
> This is a pretty simple change that we need to pull into master\.""",
    ),
    "pull_request__ready_for_review": (
        "Hello-World / PR #2",
        r"""**Codertocat** marked pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2) as ready for review.""",
    ),
    "pull_request__reopened": (
        "Hello-World / PR #2",
        r"""**Codertocat** reopened pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2).""",
    ),
    "pull_request__review_requested": (
        "Hello-World / PR #2",
        r"""**Codertocat** requested a review from **octocat** on pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2).""",
    ),
    "pull_request__synchronize": None,
    "pull_request_review__submitted": (
        "Hello-World / PR #2",
        r"""**Codertocat** reviewed pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671).""",
    ),
    "pull_request_review__submitted_approved": (
        "Hello-World / PR #2",
        r"""**Codertocat** approved pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2#pullrequestreview-237895671):
> Looks good to me\. Thanks for fixing the spelling\!""",
    ),
    "pull_request_review_comment__created": (
        "Hello-World / PR #2",
        r"""**Codertocat** commented on `README.md` in pull request [#2 Update the README with new information\.](https://github.com/Codertocat/Hello-World/pull/2#discussion_r284312630):
> Maybe you should use more emoji on this line\.""",
    ),
    "push__branch_created": (
        "Hello-World / master",
        r"""**Codertocat** created branch [`master`](https://github.com/Codertocat/Hello-World/tree/master) with 1 commit:
* [`6113728`](https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246) Initial commit""",
    ),
    "push__branch_deleted": (
        "Hello-World / changes",
        r"""**Codertocat** deleted branch `changes`.""",
    ),
    "push__commits": (
        "Hello-World / master",
        r"""**Codertocat** [pushed 3 commits](https://github.com/Codertocat/Hello-World/compare/6113728f27ae...78b3ba12002f) to `master`:
* [`686780c`](https://github.com/Codertocat/Hello-World/commit/686780cab026a3d61fc1ba4c33dd7a1ff49274e7) Fix the spelling of 'commit' in the README
* [`0f98b1f`](https://github.com/Codertocat/Hello-World/commit/0f98b1f7eda33a4e9cfaab09506aa8094044085f) Add a section on contributing — monalisa
* [`78b3ba1`](https://github.com/Codertocat/Hello-World/commit/78b3ba12002f9cab5cbb57fac87d8c703702a196) Add CONTRIBUTING\.md""",
    ),
    "push__force": (
        "Hello-World / changes",
        r"""**Codertocat** [force-pushed](https://github.com/Codertocat/Hello-World/compare/ec26c3e57ca3...6113728f27ae) branch `changes` to [`6113728`](https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246).""",
    ),
    "push__tag_created": (
        "Hello-World",
        r"""**Codertocat** pushed tag [`simple-tag`](https://octocoders.github.io/Codertocat/Hello-World/tree/simple-tag).""",
    ),
    "push__tag_deleted": ("Hello-World", r"""**Codertocat** deleted tag `simple-tag`."""),
    "release__published": (
        "Hello-World",
        r"""**Codertocat** published release [0\.0\.1](https://github.com/Codertocat/Hello-World/releases/tag/0.0.1).""",
    ),
    "star__created": (
        "Hello-World",
        r"""**Codertocat** starred [Codertocat/Hello\-World](https://github.com/Codertocat/Hello-World).""",
    ),
    "watch__started": (
        "Hello-World",
        r"""**Codertocat** starred [Codertocat/Hello\-World](https://github.com/Codertocat/Hello-World).""",
    ),
    # Posted only with include_successes=True (SUCCESSES below).
    "workflow_run__completed": None,
    "workflow_run__completed_failure": (
        "octo-repo / CI",
        r"""❌ Workflow [test \#163](https://github.com/octo-org/octo-repo/actions/runs/289782451) failed on `master`:
Commit [`3484a3f`](https://github.com/octo-org/octo-repo/commit/3484a3fb816e0859fd6e1cea078d76385ff50625) build\(test\)\: check workflow run event payload""",
    ),
}

# The successful CI results, posted only with include_successes=True.
SUCCESSES = {
    "check_run__completed": (
        "Hello-World / CI",
        r"""✅ Check [Octocoders\-linter](https://github.com/Codertocat/Hello-World/runs/128620228) succeeded on `changes`:
Commit [`ec26c3e`](https://github.com/Codertocat/Hello-World/commit/ec26c3e57ca3a959ca5aad62de7213c562f8c821)""",
    ),
    "check_suite__completed": (
        "Hello-World / CI",
        r"""✅ Checks by **octocoders\-linter** succeeded on `changes`:
Commit [`ec26c3e`](https://github.com/Codertocat/Hello-World/commit/ec26c3e57ca3a959ca5aad62de7213c562f8c821) Update README\.md""",
    ),
    "workflow_run__completed": (
        "octo-repo / CI",
        r"""✅ Workflow [test \#163](https://github.com/octo-org/octo-repo/actions/runs/289782451) succeeded on `master`:
Commit [`3484a3f`](https://github.com/octo-org/octo-repo/commit/3484a3fb816e0859fd6e1cea078d76385ff50625) build\(test\)\: check workflow run event payload""",
    ),
}


def test_every_fixture_has_its_expected_message():
    assert set(EXPECTED) == set(names())


@pytest.mark.parametrize("name", names())
def test_fixture_posts_its_message(name):
    fixture = delivery(name)
    post = format_event(fixture.event, fixture.payload)
    assert (post and (post.topic, post.body)) == EXPECTED[name]


@pytest.mark.parametrize("name", names())
def test_include_successes_adds_only_the_successful_ci_results(name):
    fixture = delivery(name)
    post = format_event(fixture.event, fixture.payload, include_successes=True)
    assert (post and (post.topic, post.body)) == SUCCESSES.get(name, EXPECTED[name])
