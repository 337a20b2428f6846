"""The full-text index on messages, per database (see parley/search/schema.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from parley.search.schema import install

    install(schema_editor.connection)


def backwards(apps, schema_editor):
    from parley.search.schema import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [("messaging", "0002_chat_experience")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
