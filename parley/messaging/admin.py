from django.contrib import admin

from parley.messaging.models import Conversation, Message, Participant, Room, RoomInvite, RoomMember


class RoomMemberInline(admin.TabularInline):
    model = RoomMember
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "owner", "is_public", "is_archived", "created_at")
    list_filter = ("is_public", "is_archived")
    search_fields = ("title", "slug", "description")
    raw_id_fields = ("owner",)
    inlines = [RoomMemberInline]


@admin.register(RoomMember)
class RoomMemberAdmin(admin.ModelAdmin):
    list_display = ("room", "user", "role", "joined_at")
    list_filter = ("role",)
    raw_id_fields = ("room", "user")
    search_fields = ("room__title", "user__username")


@admin.register(RoomInvite)
class RoomInviteAdmin(admin.ModelAdmin):
    list_display = ("room", "invitee", "invited_by", "created_at")
    raw_id_fields = ("room", "invitee", "invited_by")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "room", "last_seq", "last_message_at")
    list_filter = ("kind",)
    search_fields = ("title", "room__title")
    raw_id_fields = ("room", "created_by")
    readonly_fields = ("last_seq", "direct_key")


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("conversation", "user", "last_read_seq", "joined_at")
    raw_id_fields = ("conversation", "user")
    search_fields = ("user__username",)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("conversation", "seq", "sender", "created_at")
    raw_id_fields = ("conversation", "sender")
    search_fields = ("body", "sender__username")
    readonly_fields = ("seq", "client_id", "html")
