"""The visas ("Vu le règlement …") are written once by the letter (letters/_vu.html): the
motivation templates seeded with them lose those lines, so a motivation no longer repeats
them (and a proposal carrying them is refused)."""

from django.db import migrations


def drop_visas(apps, schema_editor):
    MotivationTemplate = apps.get_model("reviews", "MotivationTemplate")
    for template in MotivationTemplate.objects.all():
        lines = template.body.splitlines()
        kept = [line for line in lines if not line.lstrip().startswith("Vu ")]
        if kept != lines:
            template.body = "\n".join(kept)
            template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_seed_motivation_templates")]

    operations = [migrations.RunPython(drop_visas, migrations.RunPython.noop)]
