
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0007_verbose_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='ActorAvatar',
            fields=[
                ('actor', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='avatar', serialize=False, to='federation.actor', verbose_name='actor')),
                ('digest', models.CharField(blank=True, max_length=64, verbose_name='picture digest')),
                ('uploaded', models.BooleanField(default=False, verbose_name='uploaded here')),
                ('source_url', models.URLField(blank=True, max_length=500, verbose_name='fetched from')),
                ('failure', models.CharField(blank=True, max_length=200, verbose_name='why the fetch failed')),
                ('queued_at', models.DateTimeField(blank=True, null=True, verbose_name='fetch queued at')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'avatar',
                'verbose_name_plural': 'avatars',
            },
        ),
    ]
