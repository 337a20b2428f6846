from django.contrib import admin

from parley.files.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin[Attachment]):
    list_display = ("name", "content_type", "size", "uploader", "conversation", "created_at")
    list_filter = ("content_type",)
    search_fields = ("name",)
    raw_id_fields = ("uploader", "conversation", "message")
    readonly_fields = ("path", "thumbnail", "created_at", "attached_at")
