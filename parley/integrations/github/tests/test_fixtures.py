"""The fixtures are deliveries as GitHub sends them, and cover every event of issue #12."""

import json
import uuid

import pytest

from parley.integrations.github import SUPPORTED_EVENTS, verify_signature
from parley.integrations.github.tests.fixtures import SECRET, delivery, names

# Every event and action the GitHub integration announces has a captured delivery.
REQUIRED = {
    "ping",
    "push__commits",
    "push__force",
    "push__branch_created",
    "push__branch_deleted",
    "push__tag_created",
    "push__tag_deleted",
    "pull_request__opened",
    "pull_request__closed",
    "pull_request__closed_merged",
    "pull_request__reopened",
    "pull_request__ready_for_review",
    "pull_request__review_requested",
    "pull_request_review__submitted",
    "pull_request_review_comment__created",
    "issues__opened",
    "issues__closed",
    "issues__reopened",
    "issues__assigned",
    "issues__labeled",
    "issue_comment__created",
    "release__published",
    "workflow_run__completed",
    "check_run__completed",
    "check_suite__completed",
    "create__tag",
    "delete__tag",
    "fork",
    "star__created",
    "watch__started",
    "discussion__created",
    "discussion_comment__created",
}


def test_every_event_and_action_has_a_fixture():
    assert set(names()) >= REQUIRED
    assert {name.partition("__")[0] for name in REQUIRED} == set(SUPPORTED_EVENTS)


@pytest.mark.parametrize("name", names())
def test_fixture_is_a_signed_delivery_named_after_its_event_and_action(name):
    fixture = delivery(name)
    event, _, what = name.partition("__")
    headers = fixture.headers
    assert headers["X-GitHub-Event"] == event
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("GitHub-Hookshot/")
    assert uuid.UUID(headers["X-GitHub-Delivery"]).version == 1
    assert headers["X-GitHub-Hook-Installation-Target-Type"] == "repository"
    assert headers["X-GitHub-Hook-Installation-Target-ID"] == str(
        fixture.payload["repository"]["id"]
    )
    assert headers["X-Hub-Signature"].startswith("sha1=")
    assert verify_signature(SECRET, fixture.body, headers["X-Hub-Signature-256"])
    action = fixture.payload.get("action")
    assert action is None or what.startswith(action)


def test_delivery_ids_are_unique():
    ids = [delivery(name).headers["X-GitHub-Delivery"] for name in names()]
    assert len(set(ids)) == len(ids)


def test_fixtures_are_utf8_json_objects():
    for name in names():
        assert isinstance(json.loads(delivery(name).body.decode("utf-8")), dict)
