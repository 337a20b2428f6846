"""The real-time events, below the apps: what they are, who they go to, when they go.

- catalogue: every event the server sends, typed (docs/protocol.md is their prose);
- frames: every frame a client may send, typed, and its parser;
- groups: the names of the channel-layer groups events go to;
- publish: sending events after the commit that made them true (the only group_send).

Actions (accounts, messaging, …) publish through here without knowing about sockets; the
WebSocket transport (parley.realtime) subscribes to the groups and writes the events out.
This package imports nothing of Parley's but parley.core (parley/events/tests/test_layering.py).
"""
