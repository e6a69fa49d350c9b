"""Fill the configured database with N generated students of the demo partners, for benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mobility_bench DJANGO_DEBUG=1 \
        .venv/bin/python bench/generate.py --students 10000 [--reset] [--batch-size 2000]
    DJANGO_DEBUG=1 .venv/bin/python bench/generate.py --throwaway --students 50   # smoke run, SQLite

Unlike the other benchmarks this one writes into the configured database (``DATABASE_URL``; the SQLite file of
the project without it): it migrates, runs ``seed_demo`` (idempotent) and then ``mobility.demo.grow.grow_demo``,
which bulk-creates students, enrollments, module results and issued diplomas in batches, without the per-row
services (see that module for what this skips and why). Growing is idempotent: ``--students 10000`` twice leaves
10,000 generated students; ``--reset`` deletes the generated rows first. Prints the time of each step.
"""

from __future__ import annotations

import argparse
import time

import benchsetup  # bench/benchsetup.py, beside this script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", "-n", type=int, default=1000, help="generated students wanted (1k, 10k, 100k)")
    parser.add_argument("--reset", action="store_true", help="delete the generated rows first")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--throwaway", action="store_true", help="a temporary SQLite database (smoke run)")
    args = parser.parse_args()

    started = time.monotonic()
    folder = benchsetup.setup_django(not args.throwaway, prefix="generate-")
    from django.db import connection

    from mobility.demo import seed_demo
    from mobility.demo.grow import grow_demo, grow_demo_reset

    database = f"{connection.vendor} {connection.settings_dict['NAME']}"
    print(f"database: {database}; migrated in {time.monotonic() - started:.1f} s")
    step = time.monotonic()
    seed_demo()
    print(f"seed_demo: {time.monotonic() - step:.1f} s")
    if args.reset:
        step = time.monotonic()
        deleted = grow_demo_reset()
        print(f"reset: {time.monotonic() - step:.1f} s; deleted " + ", ".join(f"{k} {v}" for k, v in deleted.items()))
    report = grow_demo(students=args.students, batch_size=args.batch_size, progress=print)
    print(report.format())
    if connection.vendor == "postgresql":
        step = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"ANALYZE: {time.monotonic() - step:.1f} s")
    print(f"total: {time.monotonic() - started:.1f} s")
    if folder is not None:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
