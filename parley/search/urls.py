"""The search page and its JSON API."""

from django.urls import path

from parley.search import views

urlpatterns = [
    path("search/", views.search, name="search"),
]
