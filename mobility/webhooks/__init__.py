"""Signed webhooks to partner systems: events, deliveries, the send task's service, staff pages.

``services`` writes (events into deliveries, sending, replay, endpoints), ``selectors`` reads, ``signing`` signs and
verifies (standard library only), ``payloads`` shapes each event's data, ``views`` are the staff pages; the partner
API is ``mobility.webhooks_api`` and the task ``mobility.tasks.webhook_send``. docs/webhooks.md is the partner's
guide.
"""
