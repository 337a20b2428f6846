"""ASGI entry point: HTTP through Django, WebSockets through parley.realtime.asgi."""

import gc

from config.env import use_settings_from_environment

use_settings_from_environment()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from parley.core.asgi_limits import BodyLimits  # noqa: E402
from parley.realtime.asgi import WebSocketApplication  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Request bodies bounded in size and time before Django reads them.
        "http": BodyLimits(django_asgi_app),
        # Origin check, authentication (sessions; API tokens can be listed beside them)
        # and routing to the consumer, in one callable: Channels' middleware stack costs
        # every idle socket a copy of the scope per layer (parley/realtime/asgi.py).
        "websocket": WebSocketApplication(),
    }
)

# What is built by now (Django, the URLconf, every module imported) lives as long as the
# process. Frozen, the cyclic GC's full collections do not walk it, so they pause the
# event loop far less under load (bench/README.md).
gc.freeze()
