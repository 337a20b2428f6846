"""Template filters shared by every app's templates ({% load parley %})."""

from datetime import UTC, date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """30 minutes, 1 hour, 90 seconds: a timedelta as people say it."""
    if not value:
        return ""
    seconds = int(value.total_seconds())
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    if seconds >= 60:
        n = -(-seconds // 60)
        return f"{n} minutes"
    return f"{seconds} seconds"


@register.simple_tag
def when(value: datetime | date | str | None, kind: str = "datetime") -> SafeString | str:
    """A <time> that static/js/nav.js shows in the reader's locale and time zone, in the
    one format every page and the chat use (dom.js formatWhen); without the script, UTC.
    `value`: a datetime, a date or an ISO 8601 string; `kind`: "datetime" (the date and
    the time) or "date"."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        value = timezone.localtime(value, UTC) if timezone.is_aware(value) else value
        fallback = value.strftime("%-d %b %Y" if kind == "date" else "%-d %b %Y, %H:%M UTC")
    else:
        fallback = value.strftime("%-d %b %Y")
    return format_html(
        '<time datetime="{}" data-when="{}">{}</time>', value.isoformat(), kind, fallback
    )
