"""The video rooms page as the server renders it: its frame and the data its script
starts from (the list itself, live, is in tests/browser/test_calls.py)."""

import json
import re

import pytest
from django.urls import reverse

from parley.core.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("video_rooms"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_has_its_heading_its_script_and_who_reads_it(alice):
    response = client_for(alice).get(reverse("video_rooms"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="video-rooms-h">Video rooms</h1>' in html
    assert 'src="/static/js/calls/rooms.js"' in html
    found = re.search(r'<script id="video-rooms-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["me"] == alice.pk
    assert data["urls"]["login"] == reverse("login")
    # The top bar links to it from every page.
    assert f'href="{reverse("video_rooms")}"' in html


def test_only_get_is_answered(alice):
    assert client_for(alice).post(reverse("video_rooms")).status_code == 405
