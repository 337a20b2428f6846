"""Webhooks in, and the rooms' integration settings pages."""

from django.urls import path

from parley.integrations.github import views as github
from parley.integrations.slack import views as slack

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
    path("integrations/slack/<str:key>/", slack.webhook, name="slack_webhook"),
    path("rooms/<slug:slug>/settings/slack/", slack.webhooks, name="slack_webhooks"),
    path(
        "rooms/<slug:slug>/settings/slack/<id:webhook_id>/",
        slack.webhook_page,
        name="slack_webhook_page",
    ),
    path(
        "rooms/<slug:slug>/settings/slack/<id:webhook_id>/signing/",
        slack.set_signing,
        name="slack_set_signing",
    ),
    path(
        "rooms/<slug:slug>/settings/slack/<id:webhook_id>/signing/remove/",
        slack.remove_signing,
        name="slack_remove_signing",
    ),
    path(
        "rooms/<slug:slug>/settings/slack/<id:webhook_id>/delete/",
        slack.delete_webhook,
        name="slack_delete_webhook",
    ),
]
