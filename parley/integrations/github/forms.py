"""The form that links a repository to chats of a room."""

from typing import Any

from django import forms

from parley.integrations.github.formatter import SUPPORTED_EVENTS
from parley.messaging.models import Conversation, Room

# What GitHub calls each event in its webhook settings, for the tick boxes.
EVENT_LABELS = {
    "ping": "Ping (sent when the webhook is set up)",
    "push": "Pushes",
    "create": "Branch or tag creation",
    "delete": "Branch or tag deletion",
    "pull_request": "Pull requests",
    "pull_request_review": "Pull request reviews",
    "pull_request_review_comment": "Pull request review comments",
    "issues": "Issues",
    "issue_comment": "Issue comments",
    "discussion": "Discussions",
    "discussion_comment": "Discussion comments",
    "release": "Releases",
    "workflow_run": "Workflow runs",
    "check_run": "Check runs",
    "check_suite": "Check suites",
    "fork": "Forks",
    "star": "Stars",
    "watch": "Watches",
}
DEFAULT_EVENTS = [
    "push",
    "pull_request",
    "pull_request_review",
    "issues",
    "release",
    "workflow_run",
]


class GitHubLinkForm(forms.Form):
    repository = forms.CharField(
        label="Repository", max_length=140, help_text="As on GitHub: owner/name."
    )
    chats = forms.ModelMultipleChoiceField(
        label="Post to", queryset=Conversation.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[(e, EVENT_LABELS.get(e, e)) for e in SUPPORTED_EVENTS],
        initial=DEFAULT_EVENTS,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick the same events in GitHub's webhook settings. Pushes already tell of "
        "new branches and tags, and stars come as both star and watch: tick one of each pair.",
    )
    branches = forms.CharField(
        label="Branches",
        max_length=500,
        required=False,
        help_text="Only pushes to these (names or patterns like release/*, space-separated); "
        "empty for all.",
    )
    include_successes = forms.BooleanField(
        label="Also post CI runs that passed (otherwise only failures)", required=False
    )

    def __init__(self, room: Room, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chats = room.chats.filter(kind=Conversation.Kind.CHAT).order_by("-is_default", "title")
        field = self.fields["chats"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = chats
        field.initial = [c.pk for c in chats if c.is_default]

    def action_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "repository": data["repository"],
            "chat_ids": [c.pk for c in data["chats"]],
            "events": list(data["events"]),
            "branches": data["branches"],
            "include_successes": data["include_successes"],
        }
