"""Small GIN pending lists on PostgreSQL (see parley/search/schema.py, _POSTGRESQL_TUNING)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from parley.search.schema import tune

    tune(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    # Backwards leaves the setting: it changes no data and is right for any version.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
