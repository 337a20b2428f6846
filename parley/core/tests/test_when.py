"""{% when %}: the one <time> every server-rendered page uses for a date, which
static/js/nav.js shows in the reader's locale and time zone; without the script, UTC."""

from datetime import UTC, date, datetime, timedelta, timezone

from django.template import Context, Template


def render(value: object, kind: str = "") -> str:
    source = "{% load parley %}{% when value" + (f' "{kind}"' if kind else "") + " %}"
    return Template(source).render(Context({"value": value}))


def test_a_moment_is_written_in_utc_for_the_script_to_localise():
    tokyo = timezone(timedelta(hours=9))
    at = datetime(2026, 3, 5, 8, 30, tzinfo=tokyo)
    assert render(at) == (
        '<time datetime="2026-03-04T23:30:00+00:00" data-when="datetime">'
        "4 Mar 2026, 23:30 UTC</time>"
    )
    assert render("2026-03-04T23:30:00Z") == render(at)  # ISO strings, as events carry them


def test_a_date_alone_and_nothing():
    assert render(datetime(2026, 3, 4, 23, 30, tzinfo=UTC), "date") == (
        '<time datetime="2026-03-04T23:30:00+00:00" data-when="date">4 Mar 2026</time>'
    )
    assert render(date(2026, 3, 4)).endswith(">4 Mar 2026</time>")
    assert render(None) == ""
