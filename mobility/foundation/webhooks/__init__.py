"""The webhook transport: signed deliveries of events to partner systems, retried with backoff, every attempt logged.

``services`` writes (events into deliveries, sending, replay, endpoints), ``selectors`` reads, ``signing`` signs and
verifies (standard library only). Each domain app builds its own events (``students.events``, ``diplomas.events``)
and hands them to ``services.webhooks_emit_many``. The staff pages are ``mobility.webhook_views``, the partner API
``mobility.webhooks_api``, the task ``mobility.foundation.tasks.webhook_send``; docs/webhooks.md is the partner's
guide.
"""
