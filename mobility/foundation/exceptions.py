class DomainError(Exception):
    """An expected refusal of a business rule (a wrong state, a full quota, a missing requirement).

    Services raise it; views show ``message`` to the user and API views turn it into a JSON error. It is never
    retried by tasks. ``code`` is stable for machines, ``details`` carries structured context (e.g. missing modules).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        details=None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.details = details or {}
