"""The settings page's form: parsed here, validated again by the action."""

from django import forms

from parley.notifications.actions import MAX_EMAIL_DELAY_SECONDS

DELAYS = [(0, "At once"), (60, "1 minute"), (120, "2 minutes"), (300, "5 minutes"),
          (900, "15 minutes"), (3600, "1 hour")]  # fmt: skip


class NotificationSettingsForm(forms.Form):
    do_not_disturb = forms.BooleanField(
        label="Do not disturb: no email, push or desktop notification at all", required=False
    )
    email_enabled = forms.BooleanField(label="Email me about messages I missed", required=False)
    email_delay_seconds = forms.TypedChoiceField(
        label="Email after", choices=DELAYS, coerce=int, initial=120,
        help_text="Messages you read meanwhile, on any device, are left out.",
    )  # fmt: skip
    email_rooms = forms.BooleanField(
        label="Also email about room messages (rooms set to every message), not only mentions",
        required=False,
    )
    push_enabled = forms.BooleanField(label="Push notifications (no tab open)", required=False)
    desktop_enabled = forms.BooleanField(
        label="Desktop notifications (a hidden tab)", required=False
    )

    def clean_email_delay_seconds(self) -> int:
        value = self.cleaned_data["email_delay_seconds"]
        if not 0 <= value <= MAX_EMAIL_DELAY_SECONDS:
            raise forms.ValidationError("Choose one of the delays.")
        return int(value)
