from django.urls import path

from parley.push import views

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("settings/push/", views.push_settings, name="push_settings"),
    path(
        "settings/push/<id:subscription_id>/remove/",
        views.remove_subscription,
        name="remove_push_subscription",
    ),
]
