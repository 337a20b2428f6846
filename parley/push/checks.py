"""System checks of the Web Push settings: a VAPID key that is not a key, or a public key
that is not its own, stops the server at start rather than at the first push."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from parley.push import vapid


@register()
def check_vapid(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not vapid.enabled():
        return []
    problems: list[CheckMessage] = []
    try:
        vapid.public_key()
    except ImproperlyConfigured as error:
        problems.append(Error(str(error), id="push.E001"))
    subject = settings.VAPID_SUBJECT
    if subject and not subject.startswith(("mailto:", "https://")):
        problems.append(Error("VAPID_SUBJECT must be a mailto: or https: URL.", id="push.E002"))
    return problems
