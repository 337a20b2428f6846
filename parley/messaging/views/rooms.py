"""The room pages: browse and search, create, a room, its settings, invitations.

Views parse input with the forms in parley.messaging.forms and call the actions in
parley.messaging.actions.rooms. A refusal of the input (an empty title, a taken address)
is shown next to its field; a refusal of the person (not a member, not an admin) goes to
parley.core.middleware, which renders the error page with the error's status.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parley.core.errors import ErrorCode, ParleyError
from parley.core.http import AuthenticatedRequest, query_int, rate_limit
from parley.messaging import selectors
from parley.messaging.access import access_chat, access_room
from parley.messaging.actions import rooms
from parley.messaging.forms import (
    ArchiveForm,
    ChatForm,
    DeleteRoomForm,
    InviteForm,
    RoleForm,
    RoomForm,
    RoomSettingsForm,
)
from parley.messaging.models import Conversation, Room, RoomMember

Role = RoomMember.Role
_ROLE_CHANGED: dict[str, str] = {
    Role.OWNER: "{name} owns the room now; you are an admin.",
    Role.ADMIN: "{name} is an admin now.",
    Role.MEMBER: "{name} is a member now, not an admin.",
}


def show_refusal(form: forms.Form, exc: ParleyError) -> int:
    """Put an action's refusal of `form`'s input next to the field it names; the status.

    Refusals that are not about the input (not found, forbidden) are re-raised for the
    error page: no form can fix them.
    """
    if exc.code not in (ErrorCode.INVALID, ErrorCode.CONFLICT):
        raise exc
    field = exc.details.get("field")
    form.add_error(field if field in form.fields else None, exc.message)
    return exc.status


def _details_form(room: Room) -> RoomSettingsForm:
    return RoomSettingsForm(
        initial={
            "title": room.title,
            "slug": room.slug,
            "description": room.description,
            "visibility": "public" if room.is_public else "private",
        }
    )


def _chat_form(chat: Conversation) -> ChatForm:
    return ChatForm(
        prefix=f"chat-{chat.pk}", initial={"title": chat.title, "description": chat.description}
    )


# --- Browsing -------------------------------------------------------------


@login_required
@require_GET
def room_list(request: AuthenticatedRequest) -> HttpResponse:
    """Public rooms (searched by title and description), your rooms, your invitations."""
    query = request.GET.get("q", "")[:80]
    return render(
        request,
        "messaging/rooms/list.html",
        {
            "query": query,
            "page": selectors.public_rooms(query, query_int(request, "page", minimum=1) or 1),
            "my_rooms": selectors.rooms_of(request.user),
            "invites": selectors.pending_invites(request.user),
        },
    )


@login_required
@rate_limit("room", methods=("POST",))
@require_http_methods(["GET", "POST"])
def room_new(request: AuthenticatedRequest) -> HttpResponse:
    form = RoomForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                room = rooms.check_create_room(request.user, **form.action_kwargs())
            except ParleyError as exc:
                status = show_refusal(form, exc)
            else:
                # Straight into its chat: the pane's header links to the settings.
                messages.success(request, f"Your room “{room.title}” is ready.")
                return redirect(
                    "chat_conversation", room.chats.order_by("pk").values_list("pk", flat=True)[0]
                )
    return render(request, "messaging/rooms/new.html", {"form": form}, status=status)


# --- A room ---------------------------------------------------------------


def _room_page(
    request: AuthenticatedRequest,
    room: Room,
    membership: RoomMember | None,
    chat_form: ChatForm | None = None,
    status: int = 200,
) -> HttpResponse:
    is_member = membership is not None
    can_leave = membership is not None and membership.role != Role.OWNER
    can_manage = membership is not None and membership.can_manage
    return render(
        request,
        "messaging/rooms/room.html",
        {
            "room": room,
            "membership": membership,
            "chats": selectors.room_chats(room),
            "members": selectors.room_members(room, query_int(request, "page", minimum=1) or 1),
            "can_join": not is_member and room.is_public and not room.is_archived,
            "can_leave": can_leave,
            "can_manage": can_manage,
            "chat_form": chat_form
            if chat_form is not None
            else (ChatForm() if is_member and not room.is_archived else None),
        },
        status=status,
    )


@login_required
@require_GET
def room_detail(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A room you may see: its chats, its members and what you can do there."""
    room, membership = access_room(request.user, slug)
    return _room_page(request, room, membership)


@login_required
@rate_limit("room", methods=("POST",))
@require_POST
def room_join(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    room, _ = access_room(request.user, slug)
    rooms.check_join_room(request.user, room)
    messages.success(request, f"You joined “{room.title}”.")
    return redirect("room", room.slug)


@login_required
@rate_limit("room", methods=("POST",))
@require_POST
def room_leave(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    room, _ = access_room(request.user, slug)
    rooms.check_leave_room(request.user, room)
    messages.success(request, f"You left “{room.title}”.")
    return redirect("rooms")


@login_required
@rate_limit("room", methods=("POST",))
@require_POST
def chat_new(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A member starts a chat in the room; every member can read it."""
    room, _ = access_room(request.user, slug)
    membership = rooms.check_chat_creator(request.user, room)
    form = ChatForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            chat = rooms.check_create_chat(request.user, room, **form.cleaned_data)
        except ParleyError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, f"The chat “{chat.title}” is open.")
            return redirect("room", room.slug)
    return _room_page(request, room, membership, chat_form=form, status=status)


# --- Invitations ----------------------------------------------------------


@login_required
@rate_limit("invite", methods=("POST",))
@require_POST
def invite_accept(request: AuthenticatedRequest, invite_id: int) -> HttpResponse:
    room = rooms.check_accept_invite(request.user, invite_id)
    messages.success(request, f"You joined “{room.title}”.")
    return redirect("room", room.slug)


@login_required
@rate_limit("invite", methods=("POST",))
@require_POST
def invite_decline(request: AuthenticatedRequest, invite_id: int) -> HttpResponse:
    rooms.do_decline_invite(request.user, invite_id)
    messages.success(request, "Invitation declined.")
    return redirect("rooms")


# --- Settings -------------------------------------------------------------


def _settings_page(
    request: AuthenticatedRequest,
    room: Room,
    manager: RoomMember,
    *,
    status: int = 200,
    details: RoomSettingsForm | None = None,
    invite: InviteForm | None = None,
    bound_chat: tuple[int, ChatForm] | None = None,
    bound_role: tuple[int, RoleForm] | None = None,
) -> HttpResponse:
    """The settings page, with any form that failed bound to its input and errors."""
    is_owner = manager.role == Role.OWNER
    members = selectors.room_members(room, query_int(request, "page", minimum=1) or 1)
    rows = []
    for member in members.object_list:
        role_form = None
        if is_owner and member.user_id != request.user.pk:
            if bound_role and bound_role[0] == member.user_id:
                role_form = bound_role[1]
            else:
                role_form = RoleForm(
                    prefix=f"member-{member.user_id}", initial={"role": member.role}
                )
        removable = member.role != Role.OWNER and (is_owner or member.role == Role.MEMBER)
        rows.append({"member": member, "role_form": role_form, "removable": removable})
    chats = [
        (chat, bound_chat[1] if bound_chat and bound_chat[0] == chat.pk else _chat_form(chat))
        for chat in selectors.room_chats(room)
    ]
    context: dict[str, Any] = {
        "room": room,
        "manager": manager,
        "is_owner": is_owner,
        "details": _details_form(room) if details is None else details,
        "invite_form": _invite_form(room) if invite is None else invite,
        "invites": selectors.room_invites(room),
        "members": members,
        "member_rows": rows,
        "chats": chats,
    }
    return render(request, "messaging/rooms/settings.html", context, status=status)


def _invite_form(room: Room, data: Any = None) -> InviteForm:
    search = reverse("api-v1:people") + f"?invitable_to={room.pk}"
    return InviteForm(data, search=search)


def _managed_room(request: AuthenticatedRequest, slug: str) -> tuple[Room, RoomMember]:
    """The room at `slug` if the signed-in user may manage it (404 or 403 otherwise)."""
    room, _ = access_room(request.user, slug)
    return room, rooms.check_room_manager(request.user, room)


@login_required
@rate_limit("room", methods=("POST",))
@require_http_methods(["GET", "POST"])
def room_settings(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The owner's and admins' page; a POST edits the room's details."""
    room, manager = _managed_room(request, slug)
    if request.method == "GET":
        return _settings_page(request, room, manager)
    form = RoomSettingsForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            rooms.check_update_room(request.user, room, **form.action_kwargs())
        except ParleyError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, "The room's details were saved.")
            return redirect("room_settings", room.slug)
    return _settings_page(request, room, manager, status=status, details=form)


@login_required
@rate_limit("invite", methods=("POST",))
@require_POST
def room_invite(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    room, manager = _managed_room(request, slug)
    form = _invite_form(room, request.POST)
    status = 400
    if form.is_valid():
        invitee = form.cleaned_data["username"]
        try:
            rooms.check_invite_to_room(request.user, room, invitee)
        except ParleyError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, f"{invitee.name} is invited.")
            return redirect("room_settings", room.slug)
    return _settings_page(request, room, manager, status=status, invite=form)


@login_required
@rate_limit("invite", methods=("POST",))
@require_POST
def room_invite_cancel(request: AuthenticatedRequest, slug: str, invite_id: int) -> HttpResponse:
    room, _ = access_room(request.user, slug)
    rooms.check_cancel_invite(request.user, room, invite_id)
    messages.success(request, "Invitation withdrawn.")
    return redirect("room_settings", room.slug)


@login_required
@rate_limit("room", methods=("POST",))
@require_POST
def member_remove(request: AuthenticatedRequest, slug: str, user_id: int) -> HttpResponse:
    room, _ = access_room(request.user, slug)
    rooms.check_remove_member(request.user, room, user_id)
    messages.success(request, "The member was removed.")
    return redirect("room_settings", room.slug)


@login_required
@rate_limit("room", methods=("POST",))
@require_POST
def member_role(request: AuthenticatedRequest, slug: str, user_id: int) -> HttpResponse:
    room, manager = _managed_room(request, slug)
    form = RoleForm(request.POST, prefix=f"member-{user_id}")
    status = 400
    if form.is_valid():
        try:
            member = rooms.check_change_role(request.user, room, user_id, form.cleaned_data["role"])
        except ParleyError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, _ROLE_CHANGED[member.role].format(name=member.user.name))
            return redirect("room_settings", room.slug)
    return _settings_page(request, room, manager, status=status, bound_role=(user_id, form))


@login_required
@rate_limit("room", methods=("POST",))
@require_POST
def chat_rename(request: AuthenticatedRequest, slug: str, chat_id: int) -> HttpResponse:
    room, manager = _managed_room(request, slug)
    chat = access_chat(room, chat_id)
    form = ChatForm(request.POST, prefix=f"chat-{chat.pk}")
    status = 400
    if form.is_valid():
        try:
            rooms.check_rename_chat(request.user, chat, **form.cleaned_data)
        except ParleyError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, f"The chat is now called “{chat.title}”.")
            return redirect("room_settings", room.slug)
    return _settings_page(request, room, manager, status=status, bound_chat=(chat.pk, form))


@login_required
@rate_limit("room", methods=("POST",))
@require_POST
def room_archive(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    room, _ = _managed_room(request, slug)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        raise ParleyError(ErrorCode.INVALID, "Say whether to archive the room or not.")
    rooms.check_archive_room(request.user, room, form.cleaned_data["archived"])
    if room.is_archived:
        messages.success(request, f"“{room.title}” is archived: readable, but closed to new posts.")
    else:
        messages.success(request, f"“{room.title}” is open again.")
    return redirect("room_settings", room.slug)


@login_required
@rate_limit("room", methods=("POST",))
@require_http_methods(["GET", "POST"])
def room_delete(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The owner confirms, then the room goes with all its chats and messages."""
    room, _ = access_room(request.user, slug)
    rooms.check_room_owner(request.user, room)
    form = DeleteRoomForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        title = room.title
        rooms.check_delete_room(request.user, room)
        messages.success(request, f"“{title}” was deleted.")
        return redirect("rooms")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "messaging/rooms/delete.html", {"room": room, "form": form}, status=status
    )
