#!/bin/sh
# The benchmark data and the load benchmarks at one size, on PostgreSQL, each printing its table:
#
#     bench/run.sh 100000 [requests per page]
#
# Uses DATABASE_URL when set, else postgres://postgres@127.0.0.1:5432/mobility_bench_<N> (created if missing).
# A database only grows (bench/generate.py adds students, never removes them): use one database per size.
set -e
cd "$(dirname "$0")/.."
N=${1:?usage: bench/run.sh N [requests]}
REQUESTS=${2:-1000}
if [ -z "$DATABASE_URL" ]; then
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/mobility_bench_$N"
    psql -U postgres -h 127.0.0.1 -tAc "SELECT 1 FROM pg_database WHERE datname = 'mobility_bench_$N'" | grep -q 1 ||
        psql -U postgres -h 127.0.0.1 -qc "CREATE DATABASE mobility_bench_$N"
fi
export DATABASE_URL DJANGO_DEBUG=1
echo "== $(date -u '+%F %T') load average: $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/python bench/generate.py --students "$N"
.venv/bin/python bench/api.py --students "$N" --requests "$REQUESTS"
.venv/bin/python bench/staff.py --students "$N" --requests "$REQUESTS"
# The report's pages are slower (aggregates over every enrollment): a fifth of the requests.
.venv/bin/python bench/reports.py --students "$N" --requests "$((REQUESTS / 5))"
