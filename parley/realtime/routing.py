from django.urls import path, re_path

from parley.realtime.consumer import NotFoundConsumer, ParleyConsumer

websocket_urlpatterns = [
    path("ws/", ParleyConsumer.as_asgi()),
    re_path(r"", NotFoundConsumer.as_asgi()),
]
