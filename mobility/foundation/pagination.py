"""Pagination of the staff lists with fewer queries than ``Paginator.get_page`` (docs/performance.md, "Staff students
list at 100k students")."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def list_page(queryset: QuerySet, per_page: int, number: str | None, *, count: Callable[[], int] | None = None) -> Page:
    """``Paginator(queryset, per_page).get_page(number)``, the same page, with fewer queries.

    On the first page (no number, or ``"1"``) the rows are read first: when they do not fill the page there is no
    other page and their number is the count, so no ``COUNT`` runs (a search that finds a few); when they fill it,
    the count is asked as ``get_page`` asks it. ``count``, when given, returns the number of rows of ``queryset``
    (a count kept elsewhere, exact) and is asked instead of a ``COUNT`` query, only when one would run."""
    paginator = Paginator(queryset, per_page)
    if number not in (None, "", "1"):
        if count is not None:
            paginator.count = count()  # cached_property: the instance's value wins
        return paginator.get_page(number)
    rows = list(queryset[:per_page])
    if len(rows) < per_page:
        paginator.count = len(rows)
    elif count is not None:
        paginator.count = count()
    return Page(rows, 1, paginator)
