"""Celery tasks of the personal-data register: the retention schedule, nightly (mobility/beat_schedule.py)."""

from celery import shared_task

TASK_RETENTION = "mobility.personal_data.tasks.retention_erase_due"


@shared_task(name=TASK_RETENTION, acks_late=True, soft_time_limit=600, time_limit=660)
def retention_erase_due() -> dict[str, int]:
    """Erase what the retention schedule says is due today (``retention_run``); returns the count per category.
    Safe to run twice: the second run finds nothing."""
    from .retention import retention_run

    return retention_run(dry_run=False).counts()
