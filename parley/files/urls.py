from django.urls import path

from parley.files import views

app_name = "files"

urlpatterns = [
    path("files/<id:attachment_id>/download", views.download, name="download"),
    path("files/<id:attachment_id>/view", views.view, name="view"),
    path("files/<id:attachment_id>/thumbnail", views.thumbnail, name="thumbnail"),
]
