"""Web Push: telling a user of a direct message or a mention when no Parley tab is open.

Each browser that allows it gets a subscription (its push service's endpoint and the keys
to encrypt for it), stored here and listed in Settings → Push notifications. A job sends
each notifying message to the recipient's subscriptions, encrypted (RFC 8291, aes128gcm)
and signed with the server's VAPID key (RFC 8292), over the outgoing HTTP client that
refuses internal addresses. The service worker (static/js/sw.js, served at /sw.js) shows
it. docs/notifications.md, "Push and desktop".

vapid.py: the server's key pair; actions.py: subscribe and remove; jobs.py: the sending;
sender.py: one encrypted POST; views.py: the service worker and the settings page.
"""
