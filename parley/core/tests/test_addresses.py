"""Every per-address limit keys on one answer to "who is this client", behind a proxy too."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from parley.accounts.tests.factories import PASSWORD
from parley.core.addresses import client_address, scope_address


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "expected"),
    [
        (0, "203.0.113.7", None, "203.0.113.7"),
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # no proxy: the header is a lie
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # what the client wrote
        (2, "10.0.0.3", "198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "10.0.0.3", "10.0.0.2", "10.0.0.3"),  # fewer hops than proxies: the peer
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
        (0, None, None, None),
    ],
)
def test_the_address_is_the_one_the_outermost_trusted_proxy_saw(
    settings, proxies, peer, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(peer, forwarded) == expected


def test_a_socket_handshake_reads_the_same_headers(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    scope: dict[str, Any] = {
        "client": ("10.0.0.2", 5000),
        "headers": [(b"host", b"chat"), (b"x-forwarded-for", b"6.6.6.6, 198.51.100.1")],
    }
    assert scope_address(scope) == "198.51.100.1"
    settings.TRUSTED_PROXY_COUNT = 0
    assert scope_address(scope) == "10.0.0.2"


@pytest.mark.django_db
def test_behind_a_proxy_login_throttling_locks_the_client_not_the_proxy(settings, alice):
    """Five failures from one client behind the proxy lock that client's address; another
    client through the same proxy still signs in."""
    settings.TRUSTED_PROXY_COUNT = 1

    def login(client_ip: str, password: str) -> Any:
        browser = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_ip)
        form = {"username": f"guess-{password}", "password": password}
        if password == "right":
            form = {"username": "alice", "password": PASSWORD}
        return browser.post(reverse("login"), form)

    for n in range(5):
        login("198.51.100.1", f"wrong{n}")

    assert login("198.51.100.1", "right").status_code == 429
    assert login("198.51.100.2", "right").status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_anonymous_rate_limits_are_per_client(settings, mailoutbox, alice):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "account": (0.001, 1)}

    def reset(client_ip: str) -> int:
        browser = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_ip)
        return browser.post("/password-reset/", {"email": alice.email}).status_code

    assert reset("198.51.100.1") == 302
    assert reset("198.51.100.1") == 429
    assert reset("198.51.100.2") == 302  # another client through the same proxy
