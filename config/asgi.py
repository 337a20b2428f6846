"""ASGI entry point: HTTP through Django, WebSockets at /ws/ through Channels."""

import gc

from config.env import use_settings_from_environment

use_settings_from_environment()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from parley.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Authentication is a middleware layer: API tokens can be stacked in beside sessions.
        "websocket": OriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
            settings.WEBSOCKET_ALLOWED_ORIGINS,
        ),
    }
)

# What is built by now (Django, the URLconf, every module imported) lives as long as the
# process. Frozen, the cyclic GC's full collections no longer walk it: under load they
# paused the event loop for 45-70 ms every few seconds, and 14-32 ms once frozen
# (bench/README.md).
gc.freeze()
