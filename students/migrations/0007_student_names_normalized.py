"""Names validated by students/names.py, and the names already stored normalized the same way.

The data step only removes invisible characters, composes (NFC / NFKC) and collapses whitespace: what a person sees
does not change, so undoing it is a no-op. A stored name that would become empty (it held only invisible
characters) is left as it is, and a name still refused by the validators is left for staff to correct (the form
shows why when the student is next edited).
"""

from django.db import migrations, models

import students.names

_BATCH = 1000


def normalize_stored_names(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    fields = list(students.names.NAME_FIELDS)
    changed = []
    for student in Student.objects.only("pk", *fields).iterator(chunk_size=_BATCH):
        dirty = False
        for name, script in students.names.NAME_FIELDS.items():
            stored = getattr(student, name)
            normal = students.names.normalize_name(stored, script)
            if normal == stored or (not normal and name.endswith("_latin")):  # the Latin name must not be blank
                continue
            setattr(student, name, normal)
            dirty = True
        if dirty:
            changed.append(student)
        if len(changed) >= _BATCH:
            Student.objects.bulk_update(changed, fields)
            changed = []
    if changed:
        Student.objects.bulk_update(changed, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0006_student_home_id_order_idx"),
    ]

    operations = [
        migrations.AlterField(
            model_name="student",
            name="family_name_cyrillic",
            field=models.CharField(
                blank=True,
                max_length=128,
                validators=[students.names.validate_cyrillic_name],
                verbose_name="family name (Cyrillic)",
            ),
        ),
        migrations.AlterField(
            model_name="student",
            name="family_name_han",
            field=models.CharField(
                blank=True,
                max_length=64,
                validators=[students.names.validate_han_name],
                verbose_name="family name (Han)",
            ),
        ),
        migrations.AlterField(
            model_name="student",
            name="family_name_latin",
            field=models.CharField(
                max_length=128, validators=[students.names.validate_latin_name], verbose_name="family name (Latin)"
            ),
        ),
        migrations.AlterField(
            model_name="student",
            name="given_name_cyrillic",
            field=models.CharField(
                blank=True,
                max_length=128,
                validators=[students.names.validate_cyrillic_name],
                verbose_name="given name (Cyrillic)",
            ),
        ),
        migrations.AlterField(
            model_name="student",
            name="given_name_han",
            field=models.CharField(
                blank=True,
                max_length=64,
                validators=[students.names.validate_han_name],
                verbose_name="given name (Han)",
            ),
        ),
        migrations.AlterField(
            model_name="student",
            name="given_name_latin",
            field=models.CharField(
                max_length=128, validators=[students.names.validate_latin_name], verbose_name="given name (Latin)"
            ),
        ),
        migrations.RunPython(normalize_stored_names, migrations.RunPython.noop, elidable=True),
    ]
