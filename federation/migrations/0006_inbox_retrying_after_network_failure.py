from django.db import migrations, models


class Migration(migrations.Migration):
    """An inbox message whose fetch met a network failure waits as `retrying` until next_attempt_at."""

    dependencies = [
        ('federation', '0005_actor_handle_domain'),
    ]

    operations = [
        migrations.AddField(
            model_name='inboxmessage',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='inboxmessage',
            name='state',
            field=models.CharField(choices=[('queued', 'Queued'), ('processing', 'Processing'), ('retrying', 'Retrying'), ('processed', 'Processed'), ('ignored', 'Ignored'), ('failed', 'Failed')], db_index=True, default='queued', max_length=12),
        ),
    ]
