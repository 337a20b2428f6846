"""GET /api/v1/search and the /search/ page, as a browser or API client sees them."""

import pytest
from django.test import Client

from parley.search.selectors import PAGE_SIZE
from parley.search.tests.conftest import say

pytestmark = pytest.mark.django_db(transaction=True)


def api(client: Client, **params):
    response = client.get("/api/v1/search", params)
    return response.status_code, response.json()


def test_api_results(chat, alice, bob_client):
    message = say(alice, chat, "Ship the <b>beta</b> on Friday")

    status, body = api(bob_client, q="beta")

    assert status == 200
    assert body["page"] == 1 and body["has_next"] is False
    (result,) = body["results"]
    assert result["message"]["id"] == message.pk
    assert result["message"]["body"] == "Ship the <b>beta</b> on Friday"
    assert result["message"]["sender"]["username"] == "alice"
    assert result["conversation"] == {
        "id": chat.pk,
        "title": "Design Team › general",
        "kind": "chat",
    }
    assert result["snippet"] == "Ship the &lt;b&gt;<mark>beta</mark>&lt;/b&gt; on Friday"
    assert result["url"] == f"/chat/{chat.pk}/?at={message.seq}"


def test_api_pages(chat, alice, bob_client):
    for n in range(PAGE_SIZE + 1):
        say(alice, chat, f"row {n}")

    _, first = api(bob_client, q="row", page=1)
    _, second = api(bob_client, q="row", page=2)

    assert (len(first["results"]), first["has_next"]) == (PAGE_SIZE, True)
    assert (len(second["results"]), second["has_next"], second["page"]) == (1, False, 2)
    assert second["results"][0]["message"]["body"] == "row 0"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, '"q" is required.'),
        ({"q": ""}, '"q" is empty.'),
        ({"q": "  "}, '"q" is blank.'),
        ({"q": '""'}, "Type something to search for."),
        (
            {"q": "x before:someday"},
            "“someday” is not a date: write before:YYYY-MM-DD, e.g. before:2026-01-31.",
        ),
        ({"q": "x", "page": "0"}, '"page" must be at least 1.'),
        ({"q": "x", "page": "two"}, '"page" must be a whole number in ASCII digits.'),
        ({"q": "x", "page": "101"}, '"page" must be at most 100.'),
        ({"q": "-is:unread"}, "Only words and phrases can be excluded with “-”, not is:."),
        ({"q": "x after:9999-12-31"}, "after: takes a date between 1900 and 9000."),
        ({"q": "x before:0001-01-01"}, "before: takes a date between 1900 and 9000."),
    ],
)
def test_api_bad_input_is_400_json(bob_client, params, message):
    status, body = api(bob_client, **params)

    assert status == 400
    assert body["error"]["code"] == "invalid"
    assert body["error"]["message"] == message


def test_api_takes_any_storable_characters(chat, alice, bob_client):
    say(alice, chat, "zero byte")

    status, body = api(bob_client, q="zero byte\x02 ' \\ %_ ) ( * -")

    assert status == 200
    assert [r["message"]["body"] for r in body["results"]] == ["zero byte"]

    status, body = api(bob_client, q="zero\x00byte")  # no text column holds a NUL
    assert status == 400
    assert body["error"]["code"] == "invalid_text"


def test_api_needs_a_login(db):
    status, body = api(Client(), q="x")

    assert status == 401
    assert body["error"]["code"] == "unauthenticated"


def test_page_without_a_query_shows_the_form(bob_client):
    response = bob_client.get("/search/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="get" action="/search/" role="search"' in html
    assert '<label for="search-q">Search every conversation you are in</label>' in html
    assert "No messages found" not in html


def test_page_shows_results_linking_to_the_message(chat, alice, bob_client):
    message = say(alice, chat, "Quarterly <i>report</i> is due")

    response = bob_client.get("/search/", {"q": "report"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="report"' in html
    assert f'<a href="/chat/{chat.pk}/?at={message.seq}">' in html
    assert "Quarterly &lt;i&gt;<mark>report</mark>&lt;/i&gt; is due" in html
    assert "<strong>Alice Liddell</strong> in Design Team › general" in html
    assert f'<time datetime="{message.created_at.isoformat()}' in html
    assert "<i>report</i>" not in html


def test_page_pages(chat, alice, bob_client):
    for n in range(PAGE_SIZE + 1):
        say(alice, chat, f"line {n}")

    first = bob_client.get("/search/", {"q": "line from:alice"}).content.decode()
    second = bob_client.get("/search/", {"q": "line from:alice", "page": 2}).content.decode()

    assert '<a href="?q=line%20from%3Aalice&amp;page=2" rel="next">Next</a>' in first
    assert 'rel="prev"' not in first
    assert '<a href="?q=line%20from%3Aalice&amp;page=1" rel="prev">Previous</a>' in second
    assert 'rel="next"' not in second
    assert "<mark>line</mark> 0" in second


def test_page_with_no_results(chat, bob_client):
    html = bob_client.get("/search/", {"q": "zebra"}).content.decode()

    assert "No messages found" in html
    assert "Nothing you can read matches “zebra”." in html


def test_page_shows_a_bad_query_by_the_field(bob_client):
    response = bob_client.get("/search/", {"q": "after:31/12/2025"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert '<ul class="errors" id="search-q-error" role="alert"><li>' in html
    assert "is not a date: write after:YYYY-MM-DD" in html


def test_page_needs_a_login(db):
    response = Client().get("/search/", {"q": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
