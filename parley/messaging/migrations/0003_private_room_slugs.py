"""Private rooms' addresses get the random suffix that new private rooms have, so that
no name someone picks for a room collides with (and so reveals) a private room.
Members' old links to a private room stop working; its page is in their room list."""

import secrets

from django.db import migrations

ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def suffix_private_slugs(apps, schema_editor):
    Room = apps.get_model("messaging", "Room")
    for room in Room.objects.filter(is_public=False).only("pk", "slug"):
        while True:
            suffix = "".join(secrets.choice(ALPHABET) for _ in range(8))
            slug = f"{room.slug[:71].strip('-') or 'room'}-{suffix}"
            if not Room.objects.filter(slug=slug).exists():
                break
        Room.objects.filter(pk=room.pk).update(slug=slug)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_chat_experience")]

    operations = [migrations.RunPython(suffix_private_slugs, migrations.RunPython.noop)]
