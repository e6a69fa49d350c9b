from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def agreements_expire() -> list[int]:
    """Periodic (Celery beat, see settings.CELERY_BEAT_SCHEDULE): expire agreements past their end date."""
    return services.agreements_expire_due()


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def staff_checks() -> dict[str, int]:
    """Nightly (Celery beat): notify staff of agreements expiring within 60 days and of quotas at least 90 % used
    (``programs.staff_notifications``). Safe to run twice: each is said once."""
    from . import staff_notifications

    return {
        "agreements_expiring": staff_notifications.agreements_expiring_notify(),
        "quotas_nearly_full": staff_notifications.quotas_nearly_full_notify(),
    }
