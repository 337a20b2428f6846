"""Input of the room and group pages: shapes and lengths only.

Permissions and rules that need the database (a taken address, who may do what) stay in
the actions; their refusals are shown next to the field they name (see views.rooms).
"""

from typing import Any

from django import forms

from parley.accounts.models import User
from parley.messaging.actions.groups import GROUP_MAX, GROUP_MIN
from parley.messaging.actions.rooms import DESCRIPTION_MAX, SLUG_MAX, TITLE_MAX
from parley.messaging.models import RoomMember

VISIBILITY_CHOICES = [
    ("public", "Public: anyone can find this room and join it"),
    ("private", "Private: only people who are invited can see it and join"),
]


def _description_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RoomForm(forms.Form):
    """A new room: title, description, public or private."""

    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    description = _description_field("Description (optional)")
    visibility = forms.ChoiceField(
        label="Who can join",
        choices=VISIBILITY_CHOICES,
        initial="public",
        widget=forms.RadioSelect,
    )

    def action_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "is_public": data["visibility"] == "public",
        }


class RoomSettingsForm(RoomForm):
    """A room's details, as its owner and admins edit them."""

    field_order = ["title", "slug", "description", "visibility"]

    slug = forms.SlugField(
        label="Address",
        max_length=SLUG_MAX,
        required=False,
        help_text="Letters, digits and hyphens, as in /rooms/<em>address</em>/. "
        "Leave empty to make one from the title. A private room's address ends in a "
        "random part, so that nobody can guess it.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )

    def action_kwargs(self) -> dict[str, Any]:
        return {**super().action_kwargs(), "slug": self.cleaned_data["slug"]}


class ChatForm(forms.Form):
    """A chat (topic) of a room: created by members, renamed by owner and admins."""

    title = forms.CharField(label="Chat title", max_length=TITLE_MAX)
    description = _description_field("What it is for (optional)")


class InviteForm(forms.Form):
    """Whom to invite: a username, which static/js/people-combobox.js suggests as it is
    typed from `search` (the people search limited to whom the inviter may invite)."""

    username = forms.CharField(
        label="Name or username",
        max_length=32,
        help_text="Type a few letters of their name, then choose them with ↓ and Enter.",
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args: Any, search: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if search:
            self.fields["username"].widget.attrs.update(
                {"data-people-search": search, "data-choose": "fill"}
            )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip().removeprefix("@")
        user = User.objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No one is called “{username}”.", code="unknown")
        return user


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=[
            (RoomMember.Role.MEMBER, "Member"),
            (RoomMember.Role.ADMIN, "Admin"),
            (RoomMember.Role.OWNER, "Owner"),
        ],
    )


class ArchiveForm(forms.Form):
    archived = forms.TypedChoiceField(
        choices=[("1", "Archive"), ("0", "Unarchive")], coerce=lambda v: v == "1"
    )


class DeleteRoomForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete this room with all its chats and messages",
        error_messages={"required": "Tick the box to confirm that the room should go."},
    )


class PersonChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} (@{obj.username})"


class GroupForm(forms.Form):
    """A group conversation: 2 to 19 of the user's friends, and a title if they like."""

    people = PersonChoiceField(
        label=f"People ({GROUP_MIN - 1} to {GROUP_MAX - 1})",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": f"Choose at least {GROUP_MIN - 1} people.",
            "invalid_choice": "You can start a group with your friends only.",
            "invalid_pk_value": "You can start a group with your friends only.",
        },
    )
    title = forms.CharField(
        label="Title (optional)",
        max_length=TITLE_MAX,
        required=False,
        help_text="Without one, the group is called after its people.",
    )

    def __init__(self, *args: Any, friends: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = friends  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean_people(self) -> list[User]:
        people = list(self.cleaned_data["people"])
        if not GROUP_MIN - 1 <= len(people) <= GROUP_MAX - 1:
            raise forms.ValidationError(
                f"Choose {GROUP_MIN - 1} to {GROUP_MAX - 1} people; you chose {len(people)}.",
                code="size",
            )
        return people
