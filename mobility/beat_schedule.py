"""Celery beat's schedule: the periodic tasks, by name (settings.CELERY_BEAT_SCHEDULE)."""

from celery.schedules import crontab


def beat_schedule(*, outbox_relay_seconds: int, staff_digest_hour: int) -> dict:
    return {
        "agreements-expire": {
            "task": "programs.tasks.agreements_expire",
            "schedule": 6 * 60 * 60,
        },
        # A trigger not run by the next one is dropped (expires): a worker that was away does not run a pile of them.
        "outbox-relay": {
            "task": "mobility.tasks.outbox_relay",
            "schedule": outbox_relay_seconds,
            "options": {"expires": outbox_relay_seconds},
        },
        "diplomas-sweep-stuck": {"task": "diplomas.tasks.sweep_stuck", "schedule": 5 * 60},
        "messages-sweep": {"task": "students.tasks.messages_sweep", "schedule": 5 * 60},
        "webhooks-sweep-pending": {"task": "mobility.tasks.webhooks_sweep", "schedule": 60},
        "idempotency-records-purge": {"task": "mobility.tasks.idempotency_purge", "schedule": 60 * 60},
        # Staff notifications (docs/staff-ui.md#notifications): the nightly checks, then the morning digest.
        "programs-staff-checks": {"task": "programs.tasks.staff_checks", "schedule": crontab(hour=2, minute=10)},
        "passports-expiring": {
            "task": "students.tasks.passports_expiring_check",
            "schedule": crontab(hour=2, minute=20),
        },
        # The retention schedule (mobility/personal_data/retention.py): at night, when no one edits students.
        "personal-data-retention": {
            "task": "mobility.personal_data.tasks.retention_erase_due",
            "schedule": crontab(hour=3, minute=40),
        },
        "staff-digests": {
            "task": "mobility.tasks.staff_digests_send",
            "schedule": crontab(hour=staff_digest_hour, minute=0),
        },
    }
