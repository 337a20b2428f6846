from django.contrib import admin

from parley.push.models import PushSubscription


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin[PushSubscription]):
    list_display = ("id", "user", "label", "created_at", "last_push_at")
    search_fields = ("user__username",)
    readonly_fields = ("endpoint", "endpoint_digest", "p256dh", "auth", "created_at")
    raw_id_fields = ("user",)
