"""The zxcvbn password validator listed in AUTH_PASSWORD_VALIDATORS."""

from typing import Any

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

# zxcvbn's cost grows quickly with length; the first 128 characters decide the score.
_MAX_CHECKED = 128


class ZxcvbnValidator:
    """Refuses passwords that zxcvbn estimates as guessable, and says how to do better."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        inputs = [
            str(value)
            for value in (
                getattr(user, "username", ""),
                getattr(user, "email", ""),
                getattr(user, "display_name", ""),
            )
            if value
        ]
        result = zxcvbn(password[:_MAX_CHECKED], user_inputs=inputs)
        if result["score"] >= self.min_score:
            return
        feedback = result.get("feedback") or {}
        hints = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
        advice = " ".join(h.strip() for h in hints if h and h.strip())
        raise ValidationError(
            "This password is too easy to guess. %(advice)s",
            code="password_too_guessable",
            params={
                "advice": advice
                or "Add a few more unusual words, or use a passphrase of four or more words."
            },
        )

    def get_help_text(self) -> str:
        return (
            "Your password must be hard to guess: a passphrase of several unrelated words "
            "works well."
        )
