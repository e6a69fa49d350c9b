"""The Celery application: ``celery -A mobility worker`` / ``celery -A mobility beat``.

Configuration comes from Django settings (``CELERY_*``). Without ``CELERY_BROKER_URL`` tasks run eagerly in the
calling process; with it they go to the broker (Redis) and run in workers.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mobility.settings")

app = Celery("mobility")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
