"""The report kept in the shared cache under the database's data version (``mobility.foundation.kept``: exact,
computed again after any committed write to what it reads; docs/performance.md, "Reports at 100k students").

``report_data`` reads every enrollment (hundreds of milliseconds at 100,000 students); most requests of the report
come when nothing it reads has changed: those cost one query (the version) and one cache read."""

from __future__ import annotations

from mobility.foundation.kept import kept

from .figures import Period, Report, report_data

# Bump when ``Report`` or what it holds changes shape: values stored by older code are then never read.
FORMAT = 1


def cached_report_data(period: Period | None = None) -> Report:
    """``report_data(period)``, from the shared cache when nothing the report reads has changed since it was kept."""
    period = period or Period()
    start, end = (value.isoformat() if value else "" for value in (period.start, period.end))
    return kept(f"reports:figures:{FORMAT}:{start}:{end}", lambda: report_data(period), Report)
