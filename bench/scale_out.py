"""Scale-out benchmark: D diplomas through the real task path on W separate worker processes, for several W.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mobility CELERY_BROKER_URL=redis://127.0.0.1:6379/13 \
        DJANGO_DEBUG=1 .venv/bin/python bench/scale_out.py [-n 2000] [--workers 1,2,4] [--concurrency 1]

Each W starts W separate ``celery -A mobility worker`` commands (``--concurrency`` pool children each, 1 by default),
as separate machines would run them: one queue, one PostgreSQL database, one Redis, one ``MEDIA_ROOT``; nothing else
is shared. Each W gets a fresh database (a copy of a migrated template: empty tables, the year's counters at 0) with a
fresh cohort of D completed enrollments (``diplomaseed.py``), requests the cohort's diplomas and waits until every one
is issued with its transcript and credential (``diplomas.py``'s ``full_path``: the lead's task path, unchanged).

Measured per W, from the request to the last issued row:
- diplomas/s, and per worker process; efficiency = throughput(W) / (W × throughput(1)); W=1 is the floor per process;
- CPU seconds per diploma: of the worker processes (main + pool children, ``/proc/<pid>/stat``), of the PostgreSQL
  backends serving the bench's database, and of the Redis server (``INFO cpu``: the whole server);
- diplomas per worker-CPU-second against W=1's: flat as W grows means the shared parts (the counter rows, the broker,
  the storage) do not serialise the workers; falling means each diploma costs more CPU with more workers;
- lock waits: PostgreSQL backends of the bench's database waiting on a lock (``pg_stat_activity``, sampled every
  50 ms), and per diploma the time from numbering to the render audit entry (the diploma counter row's wait and
  update) and to the transcript's row (all of phase 1 after the number);
- cores busy: all that CPU over the wall time. On a machine with fewer cores than W, throughput stops growing at
  the cores; the CPU figures still show whether more processes cost more per diploma.
The last lines turn the figures into worker processes and cores for a college and a consortium within an hour.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
SAMPLE = 0.05  # seconds between pg_stat_activity samples

# bench/diplomas.py by path: the name ``diplomas`` is the Django app once Django is set up.
_spec = importlib.util.spec_from_file_location("diplomasbench", ROOT / "bench" / "diplomas.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
sys.path.insert(0, str(ROOT / "bench"))


def cpu_seconds(pid: int, *, with_reaped: bool = False) -> float | None:
    """User + system CPU of ``pid`` (with its reaped children's when asked); None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if with_reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: pool children replaced and waited for
    return ticks / TICK


def workers_cpu(workers) -> float:
    """The worker processes' CPU: each main process (with children it reaped) and its live pool children."""
    total = 0.0
    for worker in workers:
        total += cpu_seconds(worker.process.pid, with_reaped=True) or 0.0
        try:
            children = Path(f"/proc/{worker.process.pid}/task/{worker.process.pid}/children").read_text().split()
        except OSError:
            children = []
        total += sum(cpu_seconds(int(pid)) or 0.0 for pid in children)
    return total


def redis_cpu(url: str) -> float | None:
    import redis

    try:
        info = redis.Redis.from_url(url).info("cpu")
    except redis.RedisError:
        return None
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


class Sampler(threading.Thread):
    """Every ``SAMPLE`` s: which backends serve ``database``, their CPU, and how many wait on a lock."""

    def __init__(self, url: str, database: str, *, exclude: int):
        super().__init__(daemon=True)
        import psycopg2

        self.connection = psycopg2.connect(bench._with_database(url, "postgres"))
        self.connection.autocommit = True
        self.database = database
        self.exclude = exclude  # this process's own backend (polling the batch's progress)
        self.first: dict[int, float] = {}  # backend pid -> CPU when first seen
        self.last: dict[int, float] = {}
        self.samples = 0
        self.waiting = 0  # backend-samples waiting on a lock
        self.stopping = threading.Event()

    def sample(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, wait_event_type = 'Lock' AND state = 'active' FROM pg_stat_activity WHERE datname = %s",
                [self.database],
            )
            rows = cursor.fetchall()
        self.samples += 1
        for pid, waiting in rows:
            self.waiting += bool(waiting)
            if pid == self.exclude:
                continue
            cpu = cpu_seconds(pid)
            if cpu is not None:
                self.first.setdefault(pid, cpu)
                self.last[pid] = cpu

    def run(self) -> None:
        while not self.stopping.wait(SAMPLE):
            self.sample()

    def stop(self) -> tuple[float, float]:
        """(CPU seconds of the database's backends while sampled, estimated seconds backends waited on locks)."""
        self.stopping.set()
        self.join()
        self.sample()
        self.connection.close()
        # Each backend from its first sample on: the workers keep their connections (DATABASE_CONN_MAX_AGE=60), so
        # a backend opened mid-run misses at most its first 50 ms.
        cpu = sum(self.last[pid] - self.first[pid] for pid in self.last)
        return cpu, self.waiting * SAMPLE


def use_database(url: str, name: str) -> None:
    """Point this process (Django's connection) and the workers started after this at database ``name``."""
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    os.environ["DATABASE_URL"] = bench._with_database(url, name)


def phase_one(batch) -> tuple[list[float], list[float]]:
    """Per diploma of ``batch``, seconds from numbering (``issued_at``) to its render audit entry (the diploma
    counter row taken, the row saved) and to its transcript's row (the end of phase 1 but the commit)."""
    from diplomas.models import Diploma
    from diplomas.transcripts.models import Transcript
    from mobility.foundation.models import AuditEntry

    issued = dict(Diploma.objects.filter(batch=batch).values_list("pk", "issued_at"))
    audited = {}
    for object_id, at in AuditEntry.objects.filter(action="diploma.render").values_list("object_id", "at"):
        pk = int(object_id)
        if pk in issued:
            audited[pk] = min(at, audited.get(pk, at))
    transcripts = dict(Transcript.objects.filter(diploma__batch=batch).values_list("diploma_id", "created_at"))
    numbering = [(audited[pk] - issued[pk]).total_seconds() for pk in issued if pk in audited]
    whole = [(transcripts[pk] - issued[pk]).total_seconds() for pk in issued if pk in transcripts]
    return numbering, whole


def run_one(count: int, processes: int, args, *, folder: Path, template: str, configured: str) -> dict:
    """Issue ``count`` diplomas of a fresh cohort on ``processes`` worker processes; the figures of that run."""
    from diplomaseed import seed_cohort

    from diplomas.models import DiplomaBatch

    name = f"{template}_w{processes}"
    bench._psql(configured, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    use_database(configured, name)
    workers = []
    try:
        cohort, _enrollments = seed_cohort(count)
        os.environ["MEDIA_ROOT"] = str(folder / f"media-w{processes}")  # the one storage of this W's workers
        queue = f"bench-scale-{uuid.uuid4().hex[:8]}"
        for index in range(processes):
            where = folder / f"w{processes}-{index}"
            where.mkdir()
            workers.append(bench.Workers(where, args.concurrency, queue=queue))
        for worker in workers:
            worker.wait_ready(timeout=120)
        broker = os.environ["CELERY_BROKER_URL"]
        from django.db import connection

        connection.ensure_connection()
        sampler = Sampler(configured, name, exclude=connection.connection.get_backend_pid())
        sampler.sample()
        sampler.start()
        cpu0, redis0 = workers_cpu(workers), redis_cpu(broker)
        per, wall, counts = bench.full_path(cohort, mode="broker", workers=workers[0], timeout=args.timeout)
        cpu1, redis1 = workers_cpu(workers), redis_cpu(broker)
        db_cpu, lock_wait = sampler.stop()
        peaks = [peak for worker in workers for peak in worker.children_peak_rss_mb()]
        numbering, phase1 = phase_one(DiplomaBatch.objects.latest("pk"))
    finally:
        for worker in workers:
            worker.stop()
        from django.db import connections

        connections.close_all()
        bench._psql(configured, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "processes": processes,
        "wall": wall,
        "rate": count / wall,
        "per": per,
        "counts": counts,
        "worker_cpu": cpu1 - cpu0,
        "db_cpu": db_cpu,
        "redis_cpu": (redis1 - redis0) if redis0 is not None and redis1 is not None else None,
        "lock_wait": lock_wait,
        "numbering": numbering,
        "phase1": phase1,
        "peak_rss": max(peaks) if peaks else float("nan"),
    }


def _ms(seconds: list[float], q: float) -> float:
    if not seconds:
        return float("nan")
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(count: int, runs: list[dict], concurrency: int) -> None:
    cores = os.cpu_count() or 1
    base = runs[0]
    base_process = base["rate"] / base["processes"]
    base_cpu = base["worker_cpu"] / count

    def capped(processes: int) -> int:
        return min(processes * concurrency, cores)

    print(
        f"\ndiplomas per W: {count}   worker processes × pool children: W × {concurrency}   "
        f"cores: {cores}   broker: {os.environ['CELERY_BROKER_URL']}"
    )
    print(f"floor: W={base['processes']} (per process {base_process:.1f} diplomas/s, {base_cpu * 1000:.0f} ms CPU)")
    print(
        f"{'W':>3}{'dipl/s':>9}{'/process':>10}{'floor':>8}{'eff':>7}{'eff/cores':>11}"
        f"{'wkr CPU ms':>12}{'floor':>7}{'dipl/CPU-s':>12}{'CPU eff':>9}{'cores busy':>12}{'RSS MB':>8}"
    )
    for run in runs:
        w = run["processes"]
        worker_cpu = run["worker_cpu"] / count
        shared = run["db_cpu"] + (run["redis_cpu"] or 0.0)
        busy = (run["worker_cpu"] + shared) / run["wall"]
        print(
            f"{w:>3}{run['rate']:9.1f}{run['rate'] / w:10.1f}{base_process:8.1f}"
            f"{run['rate'] / (w / base['processes'] * base['rate']):7.2f}"
            f"{run['rate'] / (capped(w) / capped(base['processes']) * base['rate']):11.2f}"
            f"{worker_cpu * 1000:12.0f}{base_cpu * 1000:7.0f}{1 / worker_cpu:12.1f}{base_cpu / worker_cpu:9.2f}"
            f"{busy:12.2f}{run['peak_rss']:8.0f}"
        )
    print(
        f"\n{'W':>3}{'PG CPU ms':>11}{'Redis ms':>10}{'lock wait s':>13}{'ms/dipl':>9}"
        f"{'numbering med/p95 ms':>22}{'phase 1 med/p95 ms':>20}{'in worker med ms':>18}{'issued':>8}{'failed':>8}"
    )
    for run in runs:
        redis = f"{run['redis_cpu'] / count * 1000:10.1f}" if run["redis_cpu"] is not None else f"{'-':>10}"
        numbering = f"{_ms(run['numbering'], 0.5):.1f}/{_ms(run['numbering'], 0.95):.1f}"
        phase1 = f"{_ms(run['phase1'], 0.5):.1f}/{_ms(run['phase1'], 0.95):.1f}"
        median = statistics.median(run["per"]) * 1000 if run["per"] else float("nan")
        print(
            f"{run['processes']:>3}{run['db_cpu'] / count * 1000:11.1f}{redis}{run['lock_wait']:13.1f}"
            f"{run['lock_wait'] / count * 1000:9.1f}{numbering:>22}{phase1:>20}{median:18.0f}"
            f"{run['counts']['issued']:8}{run['counts']['failed']:8}"
        )
    print(
        "eff = throughput / (W × W=1's); eff/cores: against W=1's throughput × min(W, cores); CPU eff = W=1's worker "
        "CPU per diploma / this W's (1.00: no extra cost per diploma with more processes). PG: the backends of the "
        "bench's database; Redis: the whole server. cores busy: workers + PostgreSQL + Redis CPU / wall "
        f"(this machine has {cores}; the bench's own polling and other users of the machine are not counted)."
    )
    if len(runs) > 1 and max(r["processes"] * concurrency for r in runs) > cores:
        print(
            f"On {cores} cores, W > {cores} worker processes share the cores: throughput stops at about {cores} × "
            "a process's; the per-diploma CPU (worker, PostgreSQL, Redis) and the lock waits are what more machines "
            "would keep."
        )
    worker_cpu = max(run["worker_cpu"] for run in runs) / count
    shared = max(run["db_cpu"] + (run["redis_cpu"] or 0.0) for run in runs) / count
    print(
        f"\nWithin an hour ({worker_cpu * 1000:.0f} ms worker CPU and {shared * 1000:.1f} ms PostgreSQL + Redis CPU "
        f"per diploma, the highest of the runs; W=1's {base_process:.2f} diplomas/s per process in this run):"
    )
    for students in (17_000, 100_000):
        rate = students / 3600
        print(
            f"  {students:>7,} diplomas: {rate:5.1f} diplomas/s → {math.ceil(rate * worker_cpu)} worker processes on "
            f"cores of their own ({rate * worker_cpu:.1f} cores of workers), {math.ceil(rate / base_process)} at this "
            f"run's rate per process; {rate * shared:.2f} cores of PostgreSQL + Redis; {rate * 2:.0f} files written/s "
            "(diploma + transcript)"
        )
    hold = _ms(base["phase1"], 0.5)
    print(
        f"The years' counter rows are held about {hold:.0f} ms a diploma plus the commit (W=1's phase 1 after the "
        f"number, no wait): at most about {1000 / hold:.0f} diplomas/s however many workers there are."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="diplomas per W (default 2000)")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts, comma-separated (default 1,2,4)")
    parser.add_argument("--concurrency", type=int, default=1, help="pool children per worker process (default 1)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for each W's batch")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    configured = os.environ.get("DATABASE_URL", "")
    if not os.environ.get("CELERY_BROKER_URL") or not configured.startswith("postgres"):
        sys.exit(
            "bench/scale_out.py measures real worker processes sharing one database and one broker: set "
            "CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL); bench/diplomas.py runs without them."
        )

    folder = Path(tempfile.mkdtemp(prefix="scale-out-bench-"))
    _mode, template = bench.prepare(folder)  # a migrated throwaway database: the template of each W's
    from django.db import connections

    connections.close_all()
    runs = []
    try:
        for processes in counts:
            run = run_one(args.n, processes, args, folder=folder, template=template, configured=configured)
            runs.append(run)
            redis = f"{run['redis_cpu'] / args.n * 1000:.1f}" if run["redis_cpu"] is not None else "-"
            print(
                f"W={processes}: {args.n} diplomas in {run['wall']:.1f} s ({run['rate']:.2f}/s); CPU per diploma: "
                f"workers {run['worker_cpu'] / args.n * 1000:.0f} ms, PostgreSQL {run['db_cpu'] / args.n * 1000:.1f} "
                f"ms, Redis {redis} ms; load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        report(args.n, runs, args.concurrency)
    finally:
        connections.close_all()
        bench._psql(configured, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
