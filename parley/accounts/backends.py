"""The authentication backend: a username or an email, in any case, and the same time spent
whether or not the account exists."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from parley.accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    """Signs in with a username or an email address, either in any case."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        user = (
            get_user_model()
            .objects.filter(Q(username__iexact=username) | Q(email__iexact=username))
            .order_by("pk")
            .first()
        )
        if user is None:
            # Spend the same time as for a real user so that timing reveals nothing.
            get_user_model()().set_password(password)
            return None
        if user.is_bot:  # bots sign in with their tokens only
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
