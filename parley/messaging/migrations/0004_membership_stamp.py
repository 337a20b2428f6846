"""Each user's membership stamp: changed with every join and leave, so that each process
can tell cheaply whose conversations to re-read when a membership event may have been lost."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('messaging', '0003_private_room_slugs'),
    ]

    operations = [
        migrations.CreateModel(
            name='MembershipStamp',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('stamp', models.BigIntegerField()),
            ],
        ),
    ]
