"""The accounts app: connects the receivers that end sessions when credentials change."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "parley.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from parley.accounts import sessions  # noqa: F401  (connects the receivers)
