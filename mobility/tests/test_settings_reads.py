"""Settings are read when they are used, not when a module is imported: ``override_settings`` in a test and a
changed environment in a worker then take effect (docs/architecture.md). Model declarations may read the two that
Django itself fixes at start-up."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mobility", "programs", "students", "diplomas")
READ_AT_DECLARATION = {"AUTH_USER_MODEL", "LANGUAGES"}


def settings_read_at_import(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            inside.update(id(child) for child in ast.walk(node))
    return sorted(
        (node.lineno, node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "settings"
        and id(node) not in inside
        and node.attr not in READ_AT_DECLARATION
    )


def test_no_module_reads_a_setting_when_it_is_imported():
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name == "settings.py":
                continue
            found += [
                f"{path.relative_to(ROOT)}:{line} settings.{name}"
                for line, name in settings_read_at_import(path.read_text(encoding="utf-8"))
            ]
    assert found == []


def test_the_check_finds_a_setting_read_at_import():
    source = (
        "from django.conf import settings\n"
        "LIMIT = settings.DIPLOMA_MAX_ATTEMPTS\n"
        "user = settings.AUTH_USER_MODEL\n"
        "def f():\n"
        "    return settings.DIPLOMA_MAX_ATTEMPTS\n"
        "g = lambda: settings.SITE_URL\n"
    )
    assert settings_read_at_import(source) == [(2, "DIPLOMA_MAX_ATTEMPTS")]
