"""How django-axes names the account behind a login attempt."""

from typing import Any

from django.http import HttpRequest

from parley.accounts.models import User


def login_key(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """One key per account, however the user typed it (any case, username or email).

    So failures typed as "Alice" and "alice@example.org" count against the same
    lockout. Unknown names are keyed by their lowercase text.
    """
    typed = ((credentials or {}).get("username") or "").strip()
    if "@" in typed:
        username = (
            User.objects.filter(email__iexact=typed).values_list("username", flat=True).first()
        )
        if username:
            return username.lower()
    return typed.lower()
