"""Helpers shared by the test suites of every app."""

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, transaction


@contextmanager
def refused_by_database(constraint: str | None = None):
    """Assert that the block fails with an IntegrityError raised by the database (not by a form or ``clean()``),
    naming ``constraint`` when the backend reports constraint names (PostgreSQL always does)."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    message = str(caught.value)
    if constraint and "CHECK constraint failed" not in message and "UNIQUE constraint failed" not in message:
        assert constraint in message, message


def make_user(username: str, group: str | None = None, *, password: str = "pw", **fields):
    """A user, in one of the staff groups (``mobility.access.OFFICE`` / ``OFFICE_ADMIN``) when ``group`` is given."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, password=password, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_api_key(institution, *, scopes=("read", "write"), name: str = "SIS", **fields):
    """A partner API key of ``institution``: ``(key, plain_key)``; the plain key is what a client sends."""
    from mobility.models import PartnerAPIKey

    return PartnerAPIKey.objects.create_key(name=name, institution=institution, scopes=list(scopes), **fields)


def api_client(plain_key: str | None = None, *, user=None):
    """A DRF test client sending ``Authorization: Api-Key <plain_key>``, or logged in as ``user``."""
    from rest_framework.test import APIClient

    client = APIClient()
    if plain_key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plain_key}")
    if user is not None:
        client.force_login(user)
    return client
