from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def agreements_expire() -> list[int]:
    """Periodic (Celery beat, see settings.CELERY_BEAT_SCHEDULE): expire agreements past their end date."""
    return services.agreements_expire_due()
