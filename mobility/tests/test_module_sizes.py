"""No source module over 500 lines (docs/architecture.md): a module that size holds more than one subject. Migrations
(generated) and the demo data's tables are aside."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mobility", "programs", "students", "diplomas", "bench")
LIMIT = 500
ASIDE = {"mobility/demo/data.py"}  # the demo data's tables: rows, not logic


def modules_over(limit: int) -> list[str]:
    found = []
    paths = [*ROOT.glob("*.py"), *(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))]
    for path in paths:
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or relative in ASIDE:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(f"{relative}: {lines} lines")
    return sorted(found)


def test_no_source_module_is_over_500_lines():
    assert modules_over(LIMIT) == []


def test_the_check_reads_the_top_folder_and_every_package_and_leaves_migrations_aside():
    counted = {line.split(":")[0] for line in modules_over(0)}
    assert {"conftest.py", "manage.py", "mobility/tests/test_module_sizes.py", "bench/api.py"} <= counted
    assert not any("/migrations/" in path for path in counted) and "mobility/demo/data.py" not in counted
