"""Input of the account pages: sign-up, sign-in and profile. Shapes and lengths only; the
actions do the writing."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core.files.base import ContentFile

from parley.accounts.avatars import process_avatar
from parley.accounts.models import User


class SignupForm(BaseUserCreationForm[User]):
    """Username, email, password twice. Password strength comes from AUTH_PASSWORD_VALIDATORS."""

    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    class Meta:
        model = User
        fields = ("username", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields[
            "password1"
        ].help_text = "At least 10 characters and hard to guess: a few unrelated words work well."

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if username.lower().endswith("-bot"):
            raise forms.ValidationError('Usernames ending in "-bot" are for bots.', code="reserved")
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.", code="unique")
        return username

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with that email already exists. Log in or reset your password.",
                code="unique",
            )
        return email


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username or email and password do not match an account.",
    }


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Display name",
        max_length=64,
        required=False,
        help_text="How others see you. Leave empty to use your username.",
    )
    bio = forms.CharField(
        label="About you", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    avatar = forms.FileField(
        label="Photo",
        required=False,
        help_text="JPEG, PNG, GIF or WebP, at most 5 MB. It is cropped to a square.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(label="Remove my photo", required=False)

    def clean_avatar(self) -> dict[int, ContentFile[bytes]] | None:
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return process_avatar(upload)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=64, help_text="What the token is for, e.g. “CI deploy bot”."
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=[("write", "Read and write"), ("read", "Read only")],
        initial="write",
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        coerce=int,
        empty_value=None,
        choices=[("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never")],
        initial="90",
        required=False,
    )


class BotForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=32,
        help_text='Ends in "-bot", e.g. "deploy-bot". Letters, digits and . _ -',
    )
    display_name = forms.CharField(
        label="Name", max_length=64, required=False, help_text="Shown with its messages."
    )
