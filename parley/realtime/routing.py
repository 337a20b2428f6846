"""Which consumer serves each WebSocket path (parley.realtime.asgi routes by exact path)."""

from parley.realtime.consumer import NotFoundConsumer, ParleyConsumer

websocket_routes = {"/ws/": ParleyConsumer}
websocket_not_found = NotFoundConsumer  # any other path
