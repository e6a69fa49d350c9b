"""The report kept in the shared cache under the database's figures version (docs/performance.md, "Reports at 100k
students").

``report_data`` reads every enrollment (hundreds of milliseconds at 100,000 students); most requests of the report
come when nothing it reads has changed. The database keeps a version that every committed write to those tables
changes (triggers, ``mobility/migrations/0011_report_figures_version.py``: services, ``QuerySet.update``,
``bulk_create``, deletes and raw SQL alike), so a report computed at version ``v`` is the report of every moment at
which the version is ``v``. On a miss ``cached_report_data`` reads the version again and computes in one snapshot
(one transaction, ``REPEATABLE READ`` on PostgreSQL; SQLite's transaction is one snapshot), so what is stored under
``v`` is exactly the state ``v``; a hit costs one query (the version) and one cache read.

The cache is Django's default one (``CACHE_URL``: shared by every process when it is Redis). A cache that fails
(server down, a value that no longer unpickles) is a miss: the report is computed as without a cache, and the error
is logged. Inside a transaction the caller opened (tests, a view under ``ATOMIC_REQUESTS``) the report is computed
and not cached: that transaction may hold writes of its own that the version does not show yet.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection, transaction

from .figures import Period, Report, report_data

logger = logging.getLogger(__name__)

VERSION_TABLE = "mobility_figures_version"
# Bump when ``Report`` or what it holds changes shape: values stored by older code are then never read.
FORMAT = 1
TIMEOUT = 60 * 60  # seconds; a later version is another key, so an entry only has to outlive its version's readers


def figures_version() -> str | None:
    """The database's figures version as a key part (``token:version``), ``None`` if the row is missing."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, version FROM {VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return f"{row[0]}:{row[1]}" if row else None


def _key(version: str, period: Period) -> str:
    settings = connection.settings_dict
    database = f"{settings.get('HOST') or ''}:{settings.get('PORT') or ''}/{settings['NAME']}"
    start, end = (value.isoformat() if value else "" for value in (period.start, period.end))
    return f"reports:figures:{FORMAT}:{database}:{version}:{start}:{end}"


def _cache_get(key: str) -> Report | None:
    try:
        value = cache.get(key)
    except Exception:  # the cache is an optimisation: any failure of it is a miss
        logger.warning("report cache unavailable, computing the report", exc_info=True)
        return None
    return value if isinstance(value, Report) else None


def _cache_set(key: str, report: Report) -> None:
    try:
        cache.set(key, report, TIMEOUT)
    except Exception:
        logger.warning("report cache unavailable, the report is not kept", exc_info=True)


def cached_report_data(period: Period | None = None) -> Report:
    """``report_data(period)``, from the shared cache when nothing the report reads has changed since it was kept.
    Exact: the same figures as ``report_data`` at the moment of the version read (see the module's docstring)."""
    period = period or Period()
    if connection.in_atomic_block:
        return report_data(period)
    version = figures_version()  # one statement: a hit needs nothing more
    if version is None:
        return report_data(period)
    report = _cache_get(_key(version, period))
    if report is not None:
        return report
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        version = figures_version()  # again, in the snapshot the report is computed in
        report = report_data(period)
    if version is not None:
        _cache_set(_key(version, period), report)
    return report
