"""Linking GitHub repositories to chats: create, rotate the secret, remove; and taking
in a delivery. Only a room's owner and admins manage its links.

Each link posts as a bot of its own ("github-…-bot", named "GitHub"), owned by whoever
made the link and a member of the room: its messages are marked as a bot's, and the
room's members can see who posts. Removing the link deactivates the bot.
"""

import re

from django.db import transaction

from parley.accounts.actions.bots import do_set_bot_active
from parley.accounts.models import User
from parley.core.errors import ErrorCode, ParleyError, not_found
from parley.core.validation import check_text
from parley.integrations.bots import new_integration_bot
from parley.integrations.github.formatter import SUPPORTED_EVENTS
from parley.integrations.github.jobs import post_delivery
from parley.integrations.models import GitHubDelivery, GitHubLink, new_salt
from parley.jobs.queue import enqueue_on_commit
from parley.messaging.actions.rooms import check_room_manager, do_join_room
from parley.messaging.models import Conversation, Room

REPOSITORY = re.compile(r"[A-Za-z0-9_.-]{1,39}/[A-Za-z0-9_.-]{1,100}\Z")
MAX_LINKS_PER_ROOM = 20
MAX_BRANCH_PATTERNS = 20


def access_github_link(actor: User, room: Room, link_id: int) -> GitHubLink:
    """One of `room`'s links, for its owner or an admin (else refused as the room is)."""
    check_room_manager(actor, room)
    link = GitHubLink.objects.filter(pk=link_id, room=room).select_related("bot").first()
    if link is None:
        raise not_found("That GitHub link")
    return link


def check_create_github_link(
    actor: User,
    room: Room,
    *,
    repository: str,
    chat_ids: list[int],
    events: list[str],
    branches: str = "",
    include_successes: bool = False,
) -> GitHubLink:
    """A new link of `repository` ("owner/name") to chats of `room`, posting `events`."""
    check_room_manager(actor, room)
    repository = check_text(repository, "repository").strip()
    if not REPOSITORY.match(repository):
        raise ParleyError(
            ErrorCode.INVALID, 'Name the repository as "owner/name".', field="repository"
        )
    chats = list(
        Conversation.objects.filter(pk__in=chat_ids, room=room, kind=Conversation.Kind.CHAT)
    )
    if not chats or len(chats) != len(set(chat_ids)):
        raise ParleyError(ErrorCode.INVALID, "Choose chats of this room.", field="chats")
    unknown = sorted(set(events) - set(SUPPORTED_EVENTS))
    if not events or unknown:
        raise ParleyError(ErrorCode.INVALID, "Choose events from the list.", field="events")
    patterns = check_text(branches, "branches").split()
    if len(patterns) > MAX_BRANCH_PATTERNS or any(len(p) > 100 for p in patterns):
        message = f"Up to {MAX_BRANCH_PATTERNS} branch names or patterns."
        raise ParleyError(ErrorCode.INVALID, message, field="branches")
    if GitHubLink.objects.filter(room=room).count() >= MAX_LINKS_PER_ROOM:
        message = f"A room has at most {MAX_LINKS_PER_ROOM} GitHub links."
        raise ParleyError(ErrorCode.CONFLICT, message)
    with transaction.atomic():
        bot = new_integration_bot(actor, prefix="github", display_name="GitHub")
        do_join_room(bot, room)
        link = GitHubLink.objects.create(
            room=room,
            repository=repository,
            events=[e for e in SUPPORTED_EVENTS if e in events],
            branches=" ".join(patterns),
            include_successes=include_successes,
            bot=bot,
            created_by=actor,
        )
        link.chats.set(chats)
    return link


def check_rotate_github_secret(actor: User, room: Room, link_id: int) -> GitHubLink:
    """A new secret for the link: deliveries signed with the old one fail from now on."""
    link = access_github_link(actor, room, link_id)
    link.secret_salt = new_salt()
    link.save(update_fields=["secret_salt"])
    return link


def check_delete_github_link(actor: User, room: Room, link_id: int) -> None:
    """Remove the link (its deliveries too) and deactivate its bot; its messages stay."""
    link = access_github_link(actor, room, link_id)
    with transaction.atomic():
        bot = link.bot
        link.delete()
        do_set_bot_active(bot, active=False)


def do_receive_delivery(
    link: GitHubLink, *, delivery_id: str, event: str, payload: object
) -> tuple[GitHubDelivery, bool]:
    """Store a verified delivery and queue its posting; (delivery, whether it is new).
    A delivery id seen before stores and posts nothing (GitHub redelivers)."""
    action = payload.get("action") if isinstance(payload, dict) else None
    action = action[:64] if isinstance(action, str) else ""
    wanted = event in link.events or event == "ping"
    with transaction.atomic():
        delivery, created = GitHubDelivery.objects.get_or_create(
            link=link,
            delivery_id=delivery_id,
            defaults={
                "event": event,
                "action": action,
                "payload": payload if wanted else None,
                "status": GitHubDelivery.Status.QUEUED if wanted else GitHubDelivery.Status.IGNORED,
                "posted": "" if wanted else "Not an event this link posts.",
            },
        )
        if created and wanted:
            enqueue_on_commit(post_delivery, delivery.pk)
    return delivery, created
