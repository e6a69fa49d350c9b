"""The requirement files and their lock files stay in step.

requirements*.txt are the inputs people edit; `./dev lock` compiles each into a requirements*.lock that pins every
transitive package with its hashes, which is what ./dev, the Dockerfile and a production install use
(`pip install --require-hashes`). These tests fail when an input was edited without `./dev lock`, and when a test
tool slips into the runtime set.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each input and the lock compiled from it.
LOCKS = {
    "requirements.txt": "requirements.lock",
    "requirements-s3.txt": "requirements-s3.lock",
    "requirements-dev.txt": "requirements-dev.lock",
}

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def input_pins(filename: str) -> dict[str, str]:
    """name -> version of every `name==version` in an input file and the files it includes with -r."""
    pins: dict[str, str] = {}
    for raw in (ROOT / filename).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(input_pins(line[3:].strip()))
            continue
        match = PIN.match(line)
        assert match, f"{filename}: {raw!r} is not pinned with =="
        pins[canonical(match.group(1))] = match.group(2)
    return pins


def own_pins(filename: str) -> set[str]:
    """The names an input file pins itself, without the files it includes."""
    return {canonical(m.group(1)) for line in (ROOT / filename).read_text().splitlines() if (m := PIN.match(line))}


def lock_entries(filename: str) -> dict[str, dict]:
    """name -> {version, hashes, via} of a lock file written by uv pip compile."""
    entries: dict[str, dict] = {}
    current: dict | None = None
    for line in (ROOT / filename).read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = {"version": match.group(2), "hashes": 0, "via": []}
            name = canonical(match.group(1))
            assert name not in entries or entries[name]["version"] == current["version"], (
                f"{filename}: {name} pinned at two versions"
            )
            entries[name] = current
        elif current is not None and line.strip().startswith("--hash=sha256:"):
            current["hashes"] += 1
        elif current is not None and line.strip().startswith("#"):
            source = line.strip().lstrip("#").strip().removeprefix("via").strip()
            if source:
                current["via"].append(source)
    return entries


@pytest.mark.parametrize("source,lock", LOCKS.items())
def test_every_input_pin_is_in_the_lock_at_its_version(source, lock):
    entries = lock_entries(lock)
    for name, version in input_pins(source).items():
        assert name in entries, f"{name} is in {source} but not in {lock}: run ./dev lock"
        assert entries[name]["version"] == version, (
            f"{name} is {version} in {source} but {entries[name]['version']} in {lock}: run ./dev lock"
        )


@pytest.mark.parametrize("source,lock", LOCKS.items())
def test_every_locked_package_has_hashes_and_comes_from_an_input(source, lock):
    pinned = input_pins(source)
    for name, entry in lock_entries(lock).items():
        assert entry["hashes"], f"{lock}: {name} has no --hash (pip install --require-hashes would refuse it)"
        # A package the lock takes only from input files (no other package needs it) must still be an input:
        # otherwise it was removed from the input without ./dev lock.
        packages = [via for via in entry["via"] if not via.startswith("-")]
        if not packages:
            assert name in pinned, f"{lock}: {name} is no longer in {source} or needed by a package: run ./dev lock"


def test_the_runtime_lock_has_the_versions_the_tests_run():
    """The runtime and S3 sets are compiled within the dev set's versions: production runs what the tests ran."""
    dev = lock_entries("requirements-dev.lock")
    for lock in ("requirements.lock", "requirements-s3.lock"):
        for name, entry in lock_entries(lock).items():
            if name in dev:
                assert entry["version"] == dev[name]["version"], f"{name}: {lock} and requirements-dev.lock differ"


def test_no_test_or_lint_tool_in_the_runtime_set():
    runtime = set(lock_entries("requirements.lock")) | set(lock_entries("requirements-s3.lock"))
    dev_only = own_pins("requirements-dev.txt")
    assert not runtime & dev_only, f"development tools in the runtime set: {sorted(runtime & dev_only)}"
    assert not {name for name in runtime if name.startswith("pytest")}


# The modules the development-only packages install, as product code would import them.
DEV_ONLY_MODULES = {
    "pytest",
    "pytest_django",
    "factory",
    "faker",
    "xdist",
    "time_machine",
    "playwright",
    "schemathesis",
    "openapi_python_client",
    "polib",
    "django_stubs_ext",
    "mypy",
}


def _runtime_imports(tree: ast.AST) -> set[str]:
    """Top-level names of the modules a file imports when it runs (not those under ``if TYPE_CHECKING:``)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def test_product_code_runs_on_the_runtime_set():
    """No product module imports a development-only package (production installs requirements.lock alone); type
    checking imports go under ``if TYPE_CHECKING:``. Tests and the test helpers are not product code."""
    offenders = {}
    for package in ("mobility", "programs", "students", "diplomas"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative or relative == "mobility/testing.py":
                continue
            found = _runtime_imports(ast.parse(path.read_text(), relative)) & DEV_ONLY_MODULES
            if found:
                offenders[relative] = sorted(found)
    assert not offenders, f"product modules importing development-only packages: {offenders}"
