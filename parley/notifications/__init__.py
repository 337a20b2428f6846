"""Notifications: who is told of a message, on which channel (email, push, desktop), and
the missed-message email. Preferences and the policy live here; the transports (the push
sender, the socket's desktop hints) ask the policy (parley.notifications.policy)."""
