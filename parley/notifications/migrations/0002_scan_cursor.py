"""The scan's cursor starts at the newest message: an upgrade emails nobody about history."""

from django.db import migrations
from django.db.models import Max


def start_cursor(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    ScanCursor = apps.get_model("notifications", "ScanCursor")
    newest = Message.objects.aggregate(newest=Max("pk"))["newest"] or 0
    ScanCursor.objects.update_or_create(pk=1, defaults={"last_message_id": newest})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("messaging", "0004_membership_stamp"),
    ]

    operations = [migrations.RunPython(start_cursor, migrations.RunPython.noop)]
