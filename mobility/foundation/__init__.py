"""The foundation: what every domain app stands on, and nothing that knows the domain.

Access and roles (``access``), the audit log (``audit``), domain errors (``exceptions``), uploads checked by content
(``uploads``), the client's address (``network``), names in a language (``languages``), logging (``logs``,
``request_id``), tasks sent after commit through the outbox (``tasks``, ``outbox``), the shared web parts (``forms``,
``views``, ``admin``), the API's base classes (``api``, ``api_lists``, ``idempotency``, ``api_errors``,
``api_schema``) and the webhook transport (``webhooks``). It imports no domain app and nothing of the wiring above
it; ``mobility/tests/test_architecture.py`` checks it (docs/architecture.md).
"""
