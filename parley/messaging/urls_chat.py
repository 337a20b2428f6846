"""The chat page (parley/messaging/views/chat.py)."""

urlpatterns: list = []
