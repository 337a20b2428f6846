"""The form that makes an incoming webhook for a chat of a room."""

from typing import Any

from django import forms

from parley.integrations.slack.actions import DEFAULT_NAME
from parley.messaging.models import Conversation, Room


class SlackWebhookForm(forms.Form):
    chat = forms.ModelChoiceField(
        label="Post to", queryset=Conversation.objects.none(), empty_label=None
    )
    name = forms.CharField(
        label="Name",
        max_length=64,
        required=False,
        help_text=f'The name its messages are posted under; "{DEFAULT_NAME}" if empty.',
    )

    def __init__(self, room: Room, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chats = room.chats.filter(kind=Conversation.Kind.CHAT).order_by("-is_default", "title")
        field = self.fields["chat"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = chats

    def bot_name(self) -> str:
        return str(self.cleaned_data["name"]).strip() or DEFAULT_NAME
