"""The user model: case-insensitive usernames and emails, profile fields, and the session
epoch whose change ends every login session (parley.accounts.sessions)."""

import hashlib
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.crypto import salted_hmac

username_validator = RegexValidator(
    regex=r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}\Z",
    message=(
        "Use 3 to 32 characters: letters a-z, digits, and . _ - "
        "(starting with a letter or a digit)."
    ),
    code="invalid_username",
)

# Colours for generated avatars: readable with white initials (WCAG AA for large text).
AVATAR_COLOURS = (
    "#1f6feb", "#8250df", "#bf3989", "#cf222e", "#bc4c00",
    "#1a7f37", "#0a7d83", "#6639ba", "#953800", "#57606a",
)  # fmt: skip


class ParleyUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        """Usernames are unique regardless of case, so look them up that way."""
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person or a bot who uses Parley.

    A bot (is_bot) belongs to the person who made it (bot_owner), signs in only with its
    API tokens (it has no usable password), and is shown as a bot wherever it appears.

    Usernames and emails are unique regardless of case: a functional unique index
    on PostgreSQL and SQLite, the case-insensitive collation on MariaDB/MySQL.
    """

    username = models.CharField(
        max_length=32,
        unique=True,
        validators=[username_validator],
        help_text="3 to 32 characters: letters, digits, and . _ -",
        error_messages={"unique": "That username is taken."},
    )
    email = models.EmailField(
        "email address",
        unique=True,  # case-insensitive on MariaDB/MySQL through the collation
        error_messages={"unique": "An account with that email already exists."},
    )
    first_name = None  # type: ignore[assignment]  # field removed
    last_name = None  # type: ignore[assignment]  # field removed
    display_name = models.CharField(max_length=64, blank=True)
    bio = models.TextField(max_length=500, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    avatar_small = models.ImageField(upload_to="avatars/", blank=True)
    # The web client's theme, for every browser the user signs in on. Empty: never chosen
    # (the browser's own choice, else the device's prefers-color-scheme).
    theme = models.CharField(
        max_length=6,
        blank=True,
        default="",
        choices=[("system", "The device's"), ("light", "Light"), ("dark", "Dark")],
    )
    # Raised by "log out everywhere": part of the session auth hash, so every login
    # session made before it fails Django's check on its next request.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    is_bot = models.BooleanField(default=False, editable=False)
    # The bot's owner, who manages it; a bot whose owner is deleted stays, unowned.
    bot_owner = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bots",
        editable=False,
    )
    # A bot's outgoing webhook (parley/integrations/outgoing): where Parley POSTs the
    # messages that mention it or are sent to it directly ("" for none), and the salt of
    # its signing secret (an HMAC under SECRET_KEY; rotating draws a new salt).
    bot_endpoint_url = models.CharField(max_length=500, blank=True, editable=False)
    bot_endpoint_salt = models.CharField(max_length=32, blank=True, editable=False)

    objects: ClassVar[ParleyUserManager] = ParleyUserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def name(self) -> str:
        """What to show for this person: the display name, or the username."""
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace(".", " ").replace("_", " ").split() if w]
        letters = "".join(w[0] for w in words[:2]) if len(words) > 1 else self.name[:2]
        return letters.upper()

    @property
    def avatar_colour(self) -> str:
        digest = hashlib.sha256(self.username.lower().encode()).digest()
        return AVATAR_COLOURS[digest[0] % len(AVATAR_COLOURS)]

    def get_absolute_url(self) -> str:
        return reverse("profile", args=[self.username])

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's HMAC of the password hash, with the session epoch mixed in once it
        is raised (at 0 the same value as Django's: upgrading logs nobody out). Django
        checks it on every request, and the socket on connect: a password change or a
        new epoch ends every login session that was not given the new value."""
        if not self.session_epoch:
            inherited: str = super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]  # private in the stubs
            return inherited
        key_salt = "parley.accounts.User.get_session_auth_hash"
        value = f"{self.password}\x00{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name
