"""ASGI entry point: HTTP through Django; WebSockets are added by the realtime app."""

from config.env import use_settings_from_environment

use_settings_from_environment()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

application = ProtocolTypeRouter({"http": django_asgi_app})
