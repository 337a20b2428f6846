"""`{{ text|markdown }}`: Markdown (a room's or chat's description) as the same safe HTML
as messages (parley/messaging/rendering.py: markdown-it-py, then nh3)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from parley.messaging.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown(source: str) -> SafeString:
    return mark_safe(render_markdown(source or ""))  # noqa: S308  # sanitised by nh3
