"""Subscribing browsers (the API notify.js calls), the settings page, the service worker
as served, and the VAPID key."""

import json
import stat
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from config.env import local_vapid_key
from parley.push import vapid
from parley.push.actions import MAX_PER_USER
from parley.push.models import PushSubscription

pytestmark = pytest.mark.django_db

ENDPOINT = "https://push.example.net/wpush/v2/gAAAAABk-abc_123"
# A browser's keys, as PushSubscription.toJSON() gives them.
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


def api(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, data: Any, path: str = "/api/v1/push/subscriptions") -> Any:
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(path, body, content_type="application/json")


def subscription(endpoint: str = ENDPOINT, p256dh: str = P256DH, auth: str = AUTH) -> dict:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def test_a_browser_subscribes_lists_and_removes_itself(alice):
    client = api(alice)
    assert client.get("/api/v1/push/key").json() == {
        "enabled": True,
        "public_key": vapid.public_key(),
    }
    created = post(client, subscription())
    assert created.status_code == 201
    again = post(client, subscription())  # the same browser again: its keys updated
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    [listed] = client.get("/api/v1/push/subscriptions").json()["subscriptions"]
    assert listed["id"] == created.json()["id"] and listed["last_push_at"] is None

    gone = post(client, {"endpoint": ENDPOINT}, "/api/v1/push/unsubscribe")
    assert gone.status_code == 204
    assert not PushSubscription.objects.exists()


def test_a_browser_signed_in_as_someone_else_moves_to_them(alice, bob):
    post(api(alice), subscription())
    post(api(bob), subscription())
    assert list(PushSubscription.objects.values_list("user__username", flat=True)) == ["bob"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (subscription(endpoint="http://push.example.net/x"), "endpoint"),  # not https
        (subscription(endpoint="https://user:pw@push.example.net/x"), "endpoint"),
        (subscription(endpoint="https:///no-host"), "endpoint"),
        (subscription(endpoint="ftp://push.example.net/x"), "endpoint"),
        (subscription(endpoint="https://push.example.net/a b"), "endpoint"),
        (subscription(endpoint="https://push.example.net/" + "a" * 1000), "endpoint"),
        (subscription(p256dh="not base64!"), "p256dh"),
        (subscription(p256dh=AUTH), "p256dh"),  # 16 bytes: no P-256 point
        (subscription(p256dh="B" + "A" * 86), "p256dh"),  # 65 bytes, not on the curve
        (subscription(auth=P256DH[:10]), "auth"),
        ({"endpoint": ENDPOINT}, None),  # no keys
        ({**subscription(), "extra": 1}, None),
        ([], None),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_stored(settings, alice, data, field):
    settings.PUSH_ENDPOINT_SCHEMES = ["https"]  # as in production
    response = post(api(alice), data)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    if field and "field" in error:
        assert error["field"] == field
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        '{"endpoint": "https://push.example.net/\\u0000", "keys": {"p256dh": "%s", "auth": "%s"}}',
        '{"endpoint": "https://push.example.net/\\ud800", "keys": {"p256dh": "%s", "auth": "%s"}}',
        '{"endpoint": "%s", "keys": {"p256dh": "\\udfff", "auth": "%s"}}',
    ],
)
def test_nul_and_lone_surrogates_are_refused(alice, text):
    body = text % ((P256DH, AUTH) if "push.example" in text else (ENDPOINT, AUTH))
    response = post(api(alice), body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_text"
    assert not PushSubscription.objects.exists()


def test_more_browsers_than_the_limit_are_refused(settings, alice):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "push": (100.0, 100)}
    client = api(alice)
    for n in range(MAX_PER_USER):
        assert post(client, subscription(endpoint=f"{ENDPOINT}{n}")).status_code == 201
    refused = post(client, subscription(endpoint=f"{ENDPOINT}-one-more"))
    assert refused.status_code == 409
    assert PushSubscription.objects.count() == MAX_PER_USER


def test_nobody_removes_another_users_browser(alice, bob):
    mine = post(api(alice), subscription()).json()
    assert api(bob).delete(f"/api/v1/push/subscriptions/{mine['id']}").status_code == 404
    page = api(bob).post(f"/settings/push/{mine['id']}/remove/")
    assert page.status_code == 404
    assert PushSubscription.objects.count() == 1
    assert api(alice).delete(f"/api/v1/push/subscriptions/{mine['id']}").status_code == 204
    assert not PushSubscription.objects.exists()


def test_anonymous_callers_are_refused(alice):
    assert Client().post("/api/v1/push/subscriptions", {}).status_code == 401
    assert Client().get("/settings/push/").status_code == 302


def test_without_vapid_keys_push_is_off(settings, alice):
    settings.VAPID_PRIVATE_KEY = ""
    client = api(alice)
    assert client.get("/api/v1/push/key").json() == {"enabled": False, "public_key": None}
    assert post(client, subscription()).status_code == 409
    page = client.get("/settings/push/")
    assert "Web Push is not configured on this server." in page.content.decode()


def test_the_settings_page_lists_browsers_and_removes_one(alice):
    client = api(alice)
    client.post(
        "/api/v1/push/subscriptions",
        json.dumps(subscription()),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (Android 14; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0",
    )
    page = client.get("/settings/push/").content.decode()
    assert "Firefox on Android" in page
    assert "Enable push on this browser" in page
    assert 'aria-label="Remove Firefox on Android, added' in page
    subscription_id = PushSubscription.objects.get().pk
    done = client.post(f"/settings/push/{subscription_id}/remove/", follow=True)
    assert "Firefox on Android gets no more pushes." in done.content.decode()
    assert not PushSubscription.objects.exists()


def test_the_service_worker_is_served_at_the_root_for_the_whole_site():
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Content-Type-Options"] == "nosniff"
    source = b"".join(response).decode() if response.streaming else response.content.decode()
    assert 'addEventListener("push"' in source and "showNotification" in source
    assert 'addEventListener("notificationclick"' in source
    assert Client().post("/sw.js").status_code == 405


def test_the_vapid_key_is_generated_once_and_kept_private(tmp_path):
    first = local_vapid_key(tmp_path)
    assert local_vapid_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "vapid_private_key").stat().st_mode) == 0o600
    assert len(vapid.b64url_decode(first)) == 32


def test_a_public_key_that_does_not_match_is_a_configuration_error(settings):
    settings.VAPID_PUBLIC_KEY = P256DH  # some other key
    with pytest.raises(ImproperlyConfigured):
        vapid.public_key()
    settings.VAPID_PUBLIC_KEY = ""
    settings.VAPID_PRIVATE_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured):
        vapid.public_key()


def test_a_bad_vapid_configuration_stops_the_server_at_start(settings):
    from parley.push.checks import check_vapid

    assert check_vapid() == []
    settings.VAPID_SUBJECT = "admin@example.org"  # not a URL
    assert [e.id for e in check_vapid()] == ["push.E002"]
    settings.VAPID_SUBJECT = ""
    settings.VAPID_PRIVATE_KEY = "c2hvcnQ"
    assert [e.id for e in check_vapid()] == ["push.E001"]
