"""The admin for users, friend requests, friendships and blocks. Saving a user here ends
their sessions like any other save that changes credentials (parley.accounts.sessions)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from parley.accounts.models import Block, FriendRequest, Friendship, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = ("username", "display_name", "email", "is_active", "is_staff", "date_joined")
    search_fields = ("username", "display_name", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("display_name", "email", "bio", "avatar", "avatar_small")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )


@admin.register(FriendRequest)
class FriendRequestAdmin(admin.ModelAdmin[FriendRequest]):
    list_display = ("from_user", "to_user", "created_at")
    raw_id_fields = ("from_user", "to_user")
    search_fields = ("from_user__username", "to_user__username")


@admin.register(Friendship)
class FriendshipAdmin(admin.ModelAdmin[Friendship]):
    list_display = ("user_low", "user_high", "created_at")
    raw_id_fields = ("user_low", "user_high")
    search_fields = ("user_low__username", "user_high__username")


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin[Block]):
    list_display = ("blocker", "blocked", "created_at")
    raw_id_fields = ("blocker", "blocked")
    search_fields = ("blocker__username", "blocked__username")
