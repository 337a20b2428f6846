"""The root URLconf: each app's URLs mounted at the root, the admin, and the 500 handler."""

from django.contrib import admin
from django.urls import include, path

from parley.api.v1 import api as api_v1
from parley.core import views as core_views

admin.site.site_header = "Parley administration"
admin.site.site_title = "Parley admin"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/v1/", api_v1.urls),
    path("", include("parley.accounts.urls")),
    path("", include("parley.messaging.urls")),
    path("", include("parley.broadcasts.urls")),
    path("", include("parley.files.urls")),
    path("", include("parley.search.urls")),
    path("", include("parley.integrations.urls")),
    path("", include("parley.notifications.urls")),
    path("", include("parley.push.urls")),
]

# Every uncaught exception ends here: the database away is a 503 (parley/core/outage.py).
handler500 = "parley.core.outage.server_error"
