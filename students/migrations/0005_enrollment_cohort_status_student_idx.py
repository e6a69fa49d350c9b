"""The students list filtered by cohort and status (docs/performance.md, "Staff students list").

``enrollment_cohort_status_student_idx`` (cohort, status, student) answers the list's
``EXISTS (enrollment of this student in the cohort with the status)`` from the index alone, so PostgreSQL counts
the matching students by walking the cohort's enrollments into the students' primary key instead of reading every
student (COUNT at 100,000 students: 33 → 11 ms). Written to the database only, like 0004: not part of the model's
state, so ``makemigrations`` has nothing to say about it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0004_student_list_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX enrollment_cohort_status_student_idx ON students_enrollment (cohort_id, status, student_id)",
            reverse_sql="DROP INDEX enrollment_cohort_status_student_idx",
        ),
    ]
