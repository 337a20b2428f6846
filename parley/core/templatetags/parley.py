"""Template filters shared by every app's templates ({% load parley %})."""

from datetime import timedelta

from django import template

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
