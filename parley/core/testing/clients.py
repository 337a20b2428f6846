"""Django test clients for a given user."""

from typing import Any

from django.test import Client


def client_for(user: Any) -> Client:
    """A test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client
