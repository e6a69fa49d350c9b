"""The layers (docs/architecture.md): the foundation (``mobility.foundation``) under the domain apps, the apps in one
order (programs → students → diplomas), the wiring (the rest of ``mobility``) on top. No module imports one of a
higher layer, at module level or inside a function; a function-level import of the project's own code is kept for
Celery's task ↔ service pair and Django's ``AppConfig.ready``.

The import graph is read from the source (``ast``), relative imports resolved, tests and migrations left out: what
a module would import if any of its functions ran, not only what it imported so far.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mobility", "programs", "students", "diplomas")
LAYERS = ("foundation", "programs", "students", "diplomas", "wiring")

# Function-level imports of the project's own modules outside the Celery and AppConfig patterns, and why each one
# cannot be at the top of its module.
FUNCTION_LEVEL_ALLOWED = {
    # The Celery app is loaded before Django is set up (``celery -A mobility``); it reaches the apps only in its
    # worker signals, once Django is ready.
    ("mobility.celery", "diplomas"),
    # The renderer loads WeasyPrint and pyHanko (seconds, and memory), which only the processes that render need.
    ("diplomas.services", "diplomas.rendering"),
    ("diplomas.services", "diplomas.signing"),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: str | None  # the enclosing function's name, None at module level


def layer(module: str) -> str | None:
    """The layer of one of the project's modules, None for anything else (Django, libraries)."""
    top = module.split(".")[0]
    if top not in PACKAGES:
        return None
    if top == "mobility":
        return (
            "foundation" if module == "mobility.foundation" or module.startswith("mobility.foundation.") else "wiring"
        )
    return top


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            modules[_module_name(path)] = path
    return modules


def _resolve(node: ast.ImportFrom, importer: str, is_package: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        package = importer.split(".") if is_package else importer.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    # ``from a import b`` imports ``a``, and ``a.b`` when b is a module: name both, the layer is the same
    return [base] + [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]


def imports_of(module: str, source: str, *, is_package: bool = False) -> list[Import]:
    tree = ast.parse(source)
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name if function is None else function)
                continue
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                names = _resolve(child, module, is_package)
            else:
                visit(child, function)
                continue
            for name in names:
                if layer(name) is not None:
                    found.append(Import(module, name, child.lineno, function))

    visit(tree, None)
    return found


def all_imports() -> list[Import]:
    found = []
    for module, path in product_modules().items():
        found += imports_of(module, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
    return found


def upward(imports: list[Import]) -> list[str]:
    return [
        f"{item.importer}:{item.line} imports {item.imported} ({layer(item.importer)} → {layer(item.imported)})"
        for item in imports
        if LAYERS.index(layer(item.imported)) > LAYERS.index(layer(item.importer))
    ]


def _celery_or_ready(item: Import) -> bool:
    importer_leaf = item.importer.rsplit(".", 1)[-1]
    imported_parts = item.imported.split(".")
    if importer_leaf == "tasks" or "tasks" in imported_parts:
        return True  # a task loads its service, or a service its task
    return importer_leaf == "apps" and item.in_function == "ready"


def unexplained_function_level(imports: list[Import]) -> list[str]:
    return sorted(
        {
            f"{item.importer}:{item.line} imports {item.imported} inside {item.in_function}()"
            for item in imports
            if item.in_function is not None
            and not _celery_or_ready(item)
            and not any(
                item.importer == importer and (item.imported == imported or item.imported.startswith(imported + "."))
                for importer, imported in FUNCTION_LEVEL_ALLOWED
            )
        }
    )


def test_every_module_is_in_a_layer():
    modules = product_modules()
    assert {layer(module) for module in modules} == set(LAYERS)
    assert "mobility.foundation.access" in modules and "mobility.api_router" in modules


def test_no_module_imports_one_of_a_higher_layer():
    assert upward(all_imports()) == []


def test_function_level_imports_are_only_celerys_and_djangos_patterns():
    assert unexplained_function_level(all_imports()) == []


def test_the_foundation_imports_nothing_of_the_wiring_or_the_domain():
    found = [item for item in all_imports() if layer(item.importer) == "foundation"]
    assert found and {layer(item.imported) for item in found} == {"foundation"}


# --- the check itself finds what it must --------------------------------------------------------------------------


def test_the_check_finds_an_upward_import_at_module_level_and_inside_a_function():
    source = (
        "from diplomas.models import Diploma\n"
        "from . import selectors\n"
        "def f():\n"
        "    from mobility.dashboard import dashboard_data\n"
        "    from ..diplomas import rendering\n"
    )
    imports = imports_of("students.services.enrollments", source)
    assert upward(imports) == [
        "students.services.enrollments:1 imports diplomas.models (students → diplomas)",
        "students.services.enrollments:1 imports diplomas.models.Diploma (students → diplomas)",
        "students.services.enrollments:4 imports mobility.dashboard (students → wiring)",
        "students.services.enrollments:4 imports mobility.dashboard.dashboard_data (students → wiring)",
    ]
    # ``from ..diplomas`` inside students.services resolves to students.diplomas: the same layer
    assert [item.imported for item in imports if item.line == 5] == ["students.diplomas", "students.diplomas.rendering"]
    assert unexplained_function_level(imports) == [
        "students.services.enrollments:4 imports mobility.dashboard inside f()",
        "students.services.enrollments:4 imports mobility.dashboard.dashboard_data inside f()",
        "students.services.enrollments:5 imports students.diplomas inside f()",
        "students.services.enrollments:5 imports students.diplomas.rendering inside f()",
    ]


def test_the_check_lets_a_task_load_its_service_and_an_app_config_its_receivers():
    task = imports_of("diplomas.tasks", "def render(pk):\n    from diplomas import services\n")
    ready = imports_of("diplomas.apps", "class C:\n    def ready(self):\n        from diplomas import notifications\n")
    other = imports_of("diplomas.apps", "def helper():\n    from diplomas import notifications\n")
    assert unexplained_function_level(task + ready) == []
    assert unexplained_function_level(other) == [
        "diplomas.apps:2 imports diplomas inside helper()",
        "diplomas.apps:2 imports diplomas.notifications inside helper()",
    ]


def test_the_layers_are_told_apart():
    assert [layer(m) for m in ("mobility.foundation", "mobility.foundation.webhooks.services", "mobility.urls")] == [
        "foundation",
        "foundation",
        "wiring",
    ]
    assert [layer(m) for m in ("programs.models", "students", "diplomas.api.views", "django.db", "celery")] == [
        "programs",
        "students",
        "diplomas",
        None,
        None,
    ]
