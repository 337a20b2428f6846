"""WSGI entry point, for HTTP-only deployments and tools that want one."""

from config.env import use_settings_from_environment

use_settings_from_environment()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
