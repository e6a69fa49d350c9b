"""Rules of the design that a code review would otherwise have to remember (DESIGN.md §3, STYLE.md)."""

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("mobility", "programs", "students", "diplomas")


def _product_modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
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


def _may_write_status(path: Path) -> bool:
    """A module named ``services.py``, or any module inside a ``services`` package (``students/services/*.py``)."""
    return path.name == "services.py" or "services" in path.relative_to(ROOT).parts[:-1]


def _status_write_offenders(modules) -> list[str]:
    """``path:line`` of every status write in ``(path, source)`` pairs outside the modules allowed to write one."""
    return [
        f"{path.relative_to(ROOT)}:{line}"
        for path, source in modules
        if not _may_write_status(path)
        for line in _status_writes(ast.parse(source, filename=str(path)))
    ]


def test_only_services_write_a_status():
    offenders = _status_write_offenders((path, path.read_text()) for path in _product_modules())
    message = "status may be written only in a services package or a services.py module: "
    assert offenders == [], message + ", ".join(offenders)


def test_the_architecture_check_finds_a_status_write():
    sample = "def f(e, qs):\n    e.status = 'completed'\n    qs.update(status='failed')\n"
    assert list(_status_writes(ast.parse(sample))) == [2, 3]
    # The same write is refused outside the services and allowed in a services.py or a services package.
    assert _status_write_offenders([(ROOT / "students" / "views.py", sample)]) == [
        "students/views.py:2",
        "students/views.py:3",
    ]
    assert _status_write_offenders([(ROOT / "students" / "imports" / "roster" / "apply.py", sample)]) != []
    assert _status_write_offenders([(ROOT / "students" / "services_helpers.py", sample)]) != []
    assert _status_write_offenders([(ROOT / "programs" / "services.py", sample)]) == []
    assert _status_write_offenders([(ROOT / "students" / "services" / "enrollments.py", sample)]) == []
    # The real writer of Enrollment.status is scanned and found: the exemption, not a blind spot, lets it pass.
    enrollments = ROOT / "students" / "services" / "enrollments.py"
    assert enrollments in set(_product_modules())
    assert list(_status_writes(ast.parse(enrollments.read_text())))


# --- text translated when it is shown, never when a module is imported (STYLE.md 16) ------------------------------

EAGER_GETTEXT = {"gettext", "ngettext", "pgettext", "npgettext"}


class _ImportTimeGettext(ast.NodeVisitor):
    """Lines of ``gettext`` calls (under any alias, or ``translation.gettext``) that run when the module is imported:
    at module or class level, in decorators and in default values; not inside a function or lambda body."""

    def __init__(self, tree: ast.AST):
        self.names, self.modules, self.lines = set(), set(), []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                self.names |= {alias.asname or alias.name for alias in node.names if alias.name in EAGER_GETTEXT}
            elif isinstance(node, ast.ImportFrom) and node.module == "django.utils":
                self.modules |= {alias.asname or alias.name for alias in node.names if alias.name == "translation"}
        self.visit(tree)

    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)  # defaults are evaluated when the function is defined; the body is not

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.visit(node.args)

    def visit_arguments(self, node):
        for default in [*node.defaults, *(d for d in node.kw_defaults if d is not None)]:
            self.visit(default)

    def visit_Call(self, node):
        func = node.func
        if (isinstance(func, ast.Name) and func.id in self.names) or (
            isinstance(func, ast.Attribute)
            and func.attr in EAGER_GETTEXT
            and isinstance(func.value, ast.Name)
            and func.value.id in self.modules
        ):
            self.lines.append(node.lineno)
        self.generic_visit(node)


def _import_time_gettext(modules) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line}"
        for path, source in modules
        for line in _ImportTimeGettext(ast.parse(source, filename=str(path))).lines
    ]


def test_no_text_is_translated_when_its_module_is_imported():
    offenders = _import_time_gettext((path, path.read_text()) for path in _product_modules())
    message = "gettext at import time (use gettext_lazy at module and class level): "
    assert offenders == [], message + ", ".join(offenders)


def test_the_architecture_check_finds_gettext_at_import_time():
    sample = (
        "from django.utils import translation\n"
        "from django.utils.translation import gettext as _, gettext_lazy, ngettext\n"
        "TITLE = _('Title')\n"  # 3: module level
        "class View:\n"
        "    title = _('New')\n"  # 5: class level
        "    label = gettext_lazy('Lazy')\n"
        "    def get(self, x=translation.gettext('d')):\n"  # 7: a default value
        "        return _('At request time') + ngettext('a', 'b', 2)\n"
        "CHOICES = [(1, ngettext('one', 'many', 1))]\n"  # 9
        "f = lambda: _('later')\n"
    )
    assert _import_time_gettext([(ROOT / "programs" / "views.py", sample)]) == [
        "programs/views.py:3",
        "programs/views.py:5",
        "programs/views.py:7",
        "programs/views.py:9",
    ]


# --- test tools stay out of the product (the test helpers live in mobility/tests/support.py) -------------------------

TEST_TOOLS = {
    "pytest",
    "_pytest",
    "pytest_django",
    "pytest_env",
    "xdist",
    "factory",
    "faker",
    "time_machine",
    "playwright",
    "schemathesis",
}
# Where test tools may be imported: the tests, the pytest hooks and fixtures, the benches (they drive the tests' data).
# Everything else is code that production imports or runs; ``.venv``, ``.git`` and the run-time output are not code.
NOT_PRODUCT = {"tests", "bench", ".venv", ".git", ".ci", "var", "media", "staticfiles", "node_modules", "__pycache__"}


def _python_modules_outside_the_tests():
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in NOT_PRODUCT]  # not walked at all
        for name in files:
            if name.endswith(".py") and name != "conftest.py":
                yield Path(folder) / name


def _test_tool_imports(modules) -> list[str]:
    """``path:line module`` of every import of a test tool, at module level or inside a function."""
    found = []
    for path, source in modules:
        for node in ast.walk(ast.parse(source, filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} {name}" for name in names if name.split(".")[0] in TEST_TOOLS
            ]
    return found


def test_no_product_module_imports_a_test_tool():
    offenders = _test_tool_imports((path, path.read_text()) for path in _python_modules_outside_the_tests())
    message = (
        "test tools imported outside tests/, conftest.py and bench/ (test helpers go in mobility/tests/support.py): "
    )
    assert offenders == [], message + ", ".join(offenders)


def test_the_architecture_check_finds_a_test_tool_import():
    sample = (
        "import os, pytest\n"  # 1
        "from factory.django import DjangoModelFactory\n"  # 2
        "from . import factory\n"  # a module of the app's own, not factory_boy
        "from factoryish import x\n"
        "def f():\n"
        "    import time_machine\n"  # 6: inside a function counts too
        "    from pytest_django.asserts import assertContains\n"  # 7
    )
    assert _test_tool_imports([(ROOT / "students" / "views.py", sample)]) == [
        "students/views.py:1 pytest",
        "students/views.py:2 factory.django",
        "students/views.py:6 time_machine",
        "students/views.py:7 pytest_django.asserts",
    ]
    # The scan reaches the product's packages and the top-level modules, and leaves the tests and benches out.
    scanned = {path.relative_to(ROOT).as_posix() for path in _python_modules_outside_the_tests()}
    assert {"manage.py", "gunicorn.conf.py", "students/services/enrollments.py", "mobility/settings.py"} <= scanned
    assert not any(
        path.startswith(("bench/", ".venv/")) or "/tests/" in path or path.endswith("conftest.py") for path in scanned
    )
