"""The broadcasts pages (parley/broadcasts/views.py)."""

from django.urls import path

from parley.broadcasts import views

urlpatterns = [
    path("broadcasts/", views.broadcasts, name="broadcasts"),
    path("broadcasts/<id:broadcast_id>/", views.broadcast, name="broadcast"),
]
