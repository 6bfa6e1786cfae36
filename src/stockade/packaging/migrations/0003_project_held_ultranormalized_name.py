"""Project name policy (stockade.names): the confusable skeleton of each name, indexed, and the
``held`` state of a new name awaiting review."""

from django.db import migrations, models


def fill_ultranormalized_names(apps, schema_editor):
    from stockade.names.index import ultranormalize

    Project = apps.get_model("packaging", "Project")
    batch = []
    for project in Project.objects.only("pk", "normalized_name").iterator(chunk_size=2000):
        project.ultranormalized_name = ultranormalize(project.normalized_name)
        batch.append(project)
        if len(batch) >= 2000:
            Project.objects.bulk_update(batch, ["ultranormalized_name"])
            batch = []
    Project.objects.bulk_update(batch, ["ultranormalized_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("packaging", "0002_roleinvitation"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="held",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="project",
            name="ultranormalized_name",
            field=models.CharField(db_index=True, default="", editable=False, max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(fill_ultranormalized_names, migrations.RunPython.noop),
    ]
