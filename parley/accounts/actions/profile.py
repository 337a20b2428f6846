"""Changes to a user's own account: registration and profile."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from parley.accounts.models import User


def do_register_user(*, username: str, email: str, password: str) -> User:
    """Create an account from input a SignupForm has already validated."""
    return User.objects.create_user(username=username, email=email, password=password)


def do_update_profile(
    user: User,
    *,
    display_name: str,
    bio: str,
    avatar: dict[int, ContentFile[bytes]] | None = None,
    remove_avatar: bool = False,
) -> User:
    """Save `user`'s display name and bio, and replace or remove their photo.

    `avatar` is the output of parley.accounts.avatars.process_avatar ({size: file});
    the ProfileForm produces it. Old photo files are deleted after the commit.
    """
    old_files = [f.name for f in (user.avatar, user.avatar_small) if f]
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    if avatar is not None:
        large, small = avatar[max(avatar)], avatar[min(avatar)]
        user.avatar.save(large.name, large, save=False)
        user.avatar_small.save(small.name, small, save=False)
    elif remove_avatar:
        user.avatar = ""
        user.avatar_small = ""
    else:
        old_files = []
    with transaction.atomic():
        user.save(update_fields=["display_name", "bio", "avatar", "avatar_small"])
        transaction.on_commit(lambda: _delete_files(old_files))
    return user


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


THEMES = ("system", "light", "dark")


def do_set_theme(user: User, theme: str) -> None:
    """Keep `user`'s theme (one of THEMES, checked by the caller) on their account."""
    user.theme = theme
    user.save(update_fields=["theme"])
