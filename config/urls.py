from django.contrib import admin
from django.urls import include, path

from parley.core import views as core_views

admin.site.site_header = "Parley administration"
admin.site.site_title = "Parley admin"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("", include("parley.accounts.urls")),
    path("", include("parley.messaging.urls")),
    path("", include("parley.search.urls")),
]
