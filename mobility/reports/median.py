"""The median time to complete, per group, computed by the database.

PostgreSQL has the ordered-set aggregate ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``: ``Median`` is one more
column of the report's grouped query, no extra query. SQLite has no such aggregate; ``medians_by_window`` asks it for
the one or two middle rows of each group with window functions (``ROW_NUMBER`` and ``COUNT`` over each group and
over all rows, the rows filtered on them), so one query returns at most two rows per group (and two for the whole)
whatever the number of students: nothing is sorted or counted in Python but those few rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Q, QuerySet, Window
from django.db.models.functions import RowNumber


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two dates): ``end - start`` on PostgreSQL, ``julianday`` on SQLite."""

    output_field = IntegerField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class Median(Aggregate):
    """PostgreSQL's continuous median of an expression (``percentile_cont(0.5)``), ``NULL`` over no rows."""

    function = "percentile_cont"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def as_sqlite(self, compiler, connection, **extra_context):  # pragma: no cover - guarded by has_median()
        raise NotImplementedError("SQLite has no percentile_cont: use medians_by_window")


def has_median() -> bool:
    """Whether the database computes ``Median`` inside a grouped query (PostgreSQL)."""
    return connection.vendor == "postgresql"


def days_to_complete() -> DaysBetween:
    """Days from the day the student was enrolled to completion (a completed enrollment has both dates: the
    constraint ``enrollment_completed_after_enrolled``)."""
    return DaysBetween(F("completed_on"), F("enrolled_on"))


def medians_by_window(queryset: QuerySet, keys: Sequence[str], value) -> tuple[dict[tuple, float], float | None]:
    """The median of ``value`` over the rows of ``queryset`` (rows where it is NULL left out) per group of ``keys``
    (annotation or field names) and over all rows: ``({group key: median}, overall median)``, in one query that
    returns only the middle row(s) of each group and of the whole."""
    partition = [F(key) for key in keys]
    order = [F("_value").asc(), F("pk").asc()]
    ranked = (
        queryset.annotate(_value=value)
        .filter(_value__isnull=False)
        .annotate(
            _rank=Window(RowNumber(), partition_by=partition, order_by=order),
            _size=Window(Count("pk"), partition_by=partition),
            _rank_all=Window(RowNumber(), order_by=order),
            _size_all=Window(Count("pk")),
        )
        # The middle row of an odd group; the two middle rows of an even one ((n + 1) / 2 and (n + 2) / 2 in
        # integer division).
        .filter(
            Q(_rank=(F("_size") + 1) / 2)
            | Q(_rank=(F("_size") + 2) / 2)
            | Q(_rank_all=(F("_size_all") + 1) / 2)
            | Q(_rank_all=(F("_size_all") + 2) / 2)
        )
        .values_list(*keys, "_value", "_rank", "_size", "_rank_all", "_size_all")
    )
    groups: dict[tuple, list[float]] = {}
    overall: list[float] = []
    width = len(keys)
    for row in ranked:
        days, rank, size, rank_all, size_all = row[width:]
        if rank in _middle(size):
            groups.setdefault(tuple(row[:width]), []).append(days)
        if rank_all in _middle(size_all):
            overall.append(days)
    return {key: _mean(values) for key, values in groups.items()}, (_mean(overall) if overall else None)


def _middle(size: int) -> tuple[int, int]:
    return ((size + 1) // 2, (size + 2) // 2)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)
