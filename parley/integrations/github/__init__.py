"""GitHub webhooks: draft."""

from parley.integrations.github.common import FormattedPost
from parley.integrations.github.formatter import SUPPORTED_EVENTS, format_event
from parley.integrations.github.signature import verify_signature

__all__ = ["SUPPORTED_EVENTS", "FormattedPost", "format_event", "verify_signature"]
