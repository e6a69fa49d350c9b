"""Fixtures of the diploma tests: ``fake_render`` and ``issued`` are in the root conftest.py (the portal's tests use
them too)."""
