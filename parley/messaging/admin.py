"""The admin for rooms, conversations, participants and messages. Membership changes made
here record a new membership stamp, so open sockets pick them up (actions._membership)."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from parley.messaging.actions._membership import record_membership_change
from parley.messaging.models import Conversation, Message, Participant, Room, RoomInvite, RoomMember


class RoomMemberInline(admin.TabularInline[RoomMember, Room]):
    model = RoomMember
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin[Room]):
    list_display = ("title", "slug", "owner", "is_public", "is_archived", "created_at")
    list_filter = ("is_public", "is_archived")
    search_fields = ("title", "slug", "description")
    raw_id_fields = ("owner",)
    inlines = [RoomMemberInline]


@admin.register(RoomMember)
class RoomMemberAdmin(admin.ModelAdmin[RoomMember]):
    list_display = ("room", "user", "role", "joined_at")
    list_filter = ("role",)
    raw_id_fields = ("room", "user")
    search_fields = ("room__title", "user__username")


@admin.register(RoomInvite)
class RoomInviteAdmin(admin.ModelAdmin[RoomInvite]):
    list_display = ("room", "invitee", "invited_by", "created_at")
    raw_id_fields = ("room", "invitee", "invited_by")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin[Conversation]):
    list_display = ("__str__", "kind", "room", "last_seq", "last_message_at")
    list_filter = ("kind",)
    search_fields = ("title", "room__title")
    raw_id_fields = ("room", "created_by")
    readonly_fields = ("last_seq", "direct_key")


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin[Participant]):
    """Rows added, moved or removed here publish no event: the users' new membership
    stamps let their sockets find the change at the next periodic check."""

    list_display = ("conversation", "user", "last_read_seq", "joined_at")
    raw_id_fields = ("conversation", "user")
    search_fields = ("user__username",)

    def save_model(
        self, request: HttpRequest, obj: Participant, form: ModelForm[Participant], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if change and not {"user", "conversation"} & set(form.changed_data):
            return  # only how far they have read
        users: set[Any] = {obj.user_id}
        if change and "user" in form.changed_data:
            users.add(form.initial["user"])
        record_membership_change(users)

    def delete_model(self, request: HttpRequest, obj: Participant) -> None:
        super().delete_model(request, obj)
        record_membership_change([obj.user_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Participant]) -> None:
        with transaction.atomic():
            users = set(queryset.values_list("user_id", flat=True))
            super().delete_queryset(request, queryset)
            record_membership_change(users)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ("conversation", "seq", "sender", "created_at")
    raw_id_fields = ("conversation", "sender")
    search_fields = ("body", "sender__username")
    readonly_fields = ("seq", "client_id", "html")
