from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0004_delivery_lean_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='actor',
            name='handle_domain',
            field=models.CharField(blank=True, max_length=255),
        ),
    ]
