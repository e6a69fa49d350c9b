"""Values computed from the database and kept in the shared cache under the database's data version, exact
(docs/performance.md, "Reports at 100k students").

The database keeps a version that every committed write to the tables the kept values read changes: triggers on
insert, update, delete and truncate (``mobility/migrations/0011_report_figures_version.py`` and ``0012``), so the
services, ``QuerySet.update``, ``bulk_create``, deletes with their cascades and raw SQL all change it. A value
computed at version ``v`` is the value of every moment at which the version is ``v``. ``kept`` reads the version (one
query); on a hit that is all; on a miss it reads the version again and computes in one snapshot (one transaction,
``REPEATABLE READ`` on PostgreSQL; SQLite's transaction is one snapshot), so what is stored under ``v`` is exactly the
state ``v``. Only values computed from the watched tables (``WATCHED_TABLES``) may be kept.

The cache is Django's default one (``CACHE_URL``: shared by every process when it is Redis). A cache that fails
(server down, a value that does not unpickle) is a miss: the value is computed as without a cache, and the error is
logged. Inside a transaction the caller opened (tests, a view under ``ATOMIC_REQUESTS``) the value is computed and
not kept: that transaction may hold writes of its own that the version does not show yet.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")
VERSION_TABLE = "mobility_figures_version"
# The tables whose every write changes the version (the migrations create their triggers).
WATCHED_TABLES = (
    "students_student",
    "students_enrollment",
    "students_continuation",
    "diplomas_diploma",
    "programs_cohort",
    "programs_agreement",
    "programs_agreementquota",
    "programs_institution",
    "programs_track",
)
TIMEOUT = 60 * 60  # seconds; a later version is another key, so an entry only has to outlive its version's readers


def data_version() -> str | None:
    """The database's data version as a key part (``token:version``), ``None`` if its row is missing."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, version FROM {VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return f"{row[0]}:{row[1]}" if row else None


def _key(name: str, version: str) -> str:
    # Hashed: a name may hold a search's text, and cache servers refuse spaces and long keys.
    settings = connection.settings_dict
    database = f"{settings.get('HOST') or ''}:{settings.get('PORT') or ''}/{settings['NAME']}"
    return f"kept:{version}:{hashlib.sha256(f'{database}|{name}'.encode()).hexdigest()}"


def _get(key: str, kind: type) -> object | None:
    try:
        value = cache.get(key)
    except Exception:  # the cache is an optimisation: any failure of it is a miss
        logger.warning("cache unavailable, computing %s", key, exc_info=True)
        return None
    return value if isinstance(value, kind) else None


def _set(key: str, value: object) -> None:
    try:
        cache.set(key, value, TIMEOUT)
    except Exception:
        logger.warning("cache unavailable, %s not kept", key, exc_info=True)


def kept(name: str, compute: Callable[[], T], kind: type[T]) -> T:
    """``compute()``, from the shared cache when nothing in ``WATCHED_TABLES`` has changed since it was kept.
    ``name`` says what is computed (and every argument it depends on); ``kind`` is the type of the value (anything
    else found under the key is a miss). Exact: the value ``compute()`` returns at the moment of the version read."""
    if connection.in_atomic_block:
        return compute()
    version = data_version()  # one statement: a hit needs nothing more
    if version is None:
        return compute()
    value = _get(_key(name, version), kind)
    if value is not None:
        return value  # type: ignore[return-value]  # checked by _get
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        version = data_version()  # again, in the snapshot the value is computed in
        result = compute()
    if version is not None:
        _set(_key(name, version), result)
    return result
