"""Rules of the design that a code review would otherwise have to remember (DESIGN.md §3, STYLE.md)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("mobility", "programs", "students", "diplomas")


def _product_modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name == "testing.py":
                continue
            yield path


def _status_writes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    yield node.lineno
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in {"update", "update_or_create", "bulk_update"} and (
                any(k.arg in {"status", "defaults"} for k in node.keywords)
                or any(isinstance(a, ast.Constant) and a.value == "status" for a in ast.walk(node))
            ):
                yield node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "status"
        ):
            yield node.lineno


def test_only_services_write_a_status():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _product_modules()
        if path.name != "services.py"
        for line in _status_writes(ast.parse(path.read_text(), filename=str(path)))
    ]
    assert offenders == [], "status may be written only in a services.py module: " + ", ".join(offenders)


def test_the_architecture_check_finds_a_status_write():
    sample = "def f(e, qs):\n    e.status = 'completed'\n    qs.update(status='failed')\n"
    assert list(_status_writes(ast.parse(sample))) == [2, 3]
