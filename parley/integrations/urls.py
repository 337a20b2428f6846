"""Webhooks in, and the rooms' integration settings pages."""

from django.urls import path

from parley.integrations.github import views as github

urlpatterns = [
    path("integrations/github/<str:key>/", github.webhook, name="github_webhook"),
    path("rooms/<slug:slug>/settings/github/", github.links, name="github_links"),
    path("rooms/<slug:slug>/settings/github/<id:link_id>/", github.link, name="github_link"),
    path(
        "rooms/<slug:slug>/settings/github/<id:link_id>/secret/",
        github.rotate_secret,
        name="github_rotate_secret",
    ),
    path(
        "rooms/<slug:slug>/settings/github/<id:link_id>/delete/",
        github.delete_link,
        name="github_delete_link",
    ),
]
