"""``list_page`` gives the page ``Paginator.get_page`` gives, with no ``COUNT`` for a first page that is not full and
a kept count (when given) instead of one."""

import pytest
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mobility.foundation.pagination import list_page

pytestmark = pytest.mark.django_db


def _counts(queries) -> int:
    return sum("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


@pytest.fixture
def groups():
    Group.objects.bulk_create([Group(name=f"group {n:02d}") for n in range(12)])
    return Group.objects.filter(name__startswith="group ").order_by("name")


@pytest.mark.parametrize("per_page", [5, 12, 20])
@pytest.mark.parametrize("number", [None, "", "1", "2", "3", "99", "abc", "-1"])
def test_the_same_page_as_get_page(groups, per_page, number):
    expected = Paginator(groups, per_page).get_page(number)
    with CaptureQueriesContext(connection) as queries:
        page = list_page(groups, per_page, number)
        got = (page.number, list(page.object_list), page.paginator.count, page.paginator.num_pages, page.has_next())
    assert got == (
        expected.number,
        list(expected.object_list),
        expected.paginator.count,
        expected.paginator.num_pages,
        expected.has_next(),
    )
    first_not_full = number in (None, "", "1") and per_page > 12
    assert _counts(queries) == (0 if first_not_full else 1)


def test_a_kept_count_is_asked_instead_of_a_count_query_and_only_when_needed(groups):
    asked = []

    def count():
        asked.append(1)
        return 12

    with CaptureQueriesContext(connection) as queries:
        assert list_page(groups, 5, None, count=count).paginator.num_pages == 3
        assert list(list_page(groups, 5, "3", count=count).object_list)[-1].name == "group 11"
        assert list_page(groups, 20, None, count=count).paginator.count == 12
    assert _counts(queries) == 0 and len(asked) == 2
