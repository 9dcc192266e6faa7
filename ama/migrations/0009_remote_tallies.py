# Remote tallies (issue 17): the likes a question's origin reports, and the refetch bookkeeping.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ama", "0008_live_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="remote_like_count",
            field=models.IntegerField(default=0),
        ),
        migrations.CreateModel(
            name="TallyOrigin",
            fields=[
                ("host", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("window_started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("spent", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="TallyRun",
            fields=[
                ("name", models.CharField(max_length=20, primary_key=True, serialize=False)),
                ("lease_until", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name="TallyState",
            fields=[
                ("question", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                  related_name="tally", serialize=False, to="ama.question")),
                ("origin", models.CharField(db_index=True, max_length=255)),
                ("likes_total", models.IntegerField(blank=True, null=True)),
                ("likers", models.JSONField(blank=True, default=list)),
                ("likers_unnamed", models.IntegerField(default=0)),
                ("seen_at", models.DateTimeField(blank=True, null=True)),
                ("etag", models.CharField(blank=True, max_length=200)),
                ("last_modified", models.CharField(blank=True, max_length=64)),
                ("next_refresh_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                ("interval", models.PositiveIntegerField(default=0)),
                ("failures", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.CharField(blank=True, max_length=200)),
                ("claim", models.CharField(blank=True, max_length=32)),
            ],
            options={
                "indexes": [models.Index(fields=["next_refresh_at", "origin"], name="tally_due")],
            },
        ),
    ]
