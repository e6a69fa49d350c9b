"""The retention schedule's settings (settings.RETENTION), read from the environment: per category of personal data,
how many months after a student's last enrollment ended its fields are erased (mobility/personal_data/retention.py
carries it out; docs/configuration.md#retention-of-personal-data says why the defaults are what they are).

Plain Python, imported by the settings module: no model and no domain app here."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# category → (environment variable, default months). ``off`` as a value turns the category's rule off.
RETENTION_VARIABLES = {
    "identity_document": ("RETENTION_IDENTITY_DOCUMENT_MONTHS", 6),
    "birth_date": ("RETENTION_BIRTH_DATE_MONTHS", 6),
    "contact": ("RETENTION_CONTACT_MONTHS", 36),
}
# More than this is surely a typo (days or years typed as months); the law wants "no longer than needed".
MAX_MONTHS = 120


def retention_months(name: str, raw: str | None, default: int) -> int | None:
    """One variable's value: a whole number of months from 1 to ``MAX_MONTHS``, or None for ``off``."""
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value == "off":
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_MONTHS:
        raise ImproperlyConfigured(f"{name}={raw!r}: give a number of months from 1 to {MAX_MONTHS}, or off")
    return int(value)


def retention_schedule(env) -> dict[str, int | None]:
    """``{category: months or None}`` from ``env`` (django-environ's ``Env``, or any mapping of strings)."""
    read = env.str if hasattr(env, "str") else (lambda name, default=None: env.get(name, default))
    return {
        category: retention_months(name, read(name, default=None), default)
        for category, (name, default) in RETENTION_VARIABLES.items()
    }
