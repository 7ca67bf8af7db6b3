#!/usr/bin/env bash
# Warm `accrue` throughput (1 and 16 workers, a persistent connection each) against `pgbench -N`
# (1 and 16 clients) on the same database in the same run, and the median latency of a `balance`
# statement page of 50 on a card with 100,000 entries.
# Usage: bench/ledger.sh [SECONDS]   (starts a throwaway PostgreSQL with durable commits)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
seconds=${1:-15}

datadir=$(mktemp -d /tmp/puntos-bench-ledger.XXXXXX)
port=$(free_port)
trap 'stop_postgres "$datadir"; rm -rf "$datadir"' EXIT
start_postgres "$datadir" "$port"
admin="postgresql://postgres@127.0.0.1:$port/postgres"
psql -q -d "$admin" -c 'CREATE DATABASE puntos_bench'
export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/puntos_bench"

log "release build of bench-ledger"
swift build -c release --product bench-ledger >/dev/null
bin=$(swift build -c release --show-bin-path)
if [ -x .build/debug/puntos ]; then puntos=.build/debug/puntos; else swift build --product puntos >/dev/null; puntos=.build/debug/puntos; fi
"$puntos" migrate --dir migrations >/dev/null

pgbench="$(postgres_bindir)/pgbench"
"$pgbench" -q -i -s 16 "$DATABASE_URL" >/dev/null 2>&1
pg_tps() { "$pgbench" -N -n -c "$1" -j "$(( $1 < 2 ? 1 : 2 ))" -T "$seconds" "$DATABASE_URL" 2>/dev/null \
    | awk '/^tps/ && t == "" {t = int($3)} END {print t}'; }

pg1=$(pg_tps 1)
acc1=$("$bin/bench-ledger" accrue 1 "$seconds" | sed 's/.*tps=\([0-9]*\).*/\1/')
pg16=$(pg_tps 16)
acc16=$("$bin/bench-ledger" accrue 16 "$seconds" | sed 's/.*tps=\([0-9]*\).*/\1/')
statement=$("$bin/bench-ledger" statement 100000 500)

printf '%-28s %10s %10s %8s\n' "" "accrue/s" "pgbench/s" "ratio"
printf '%-28s %10s %10s %8s\n' "1 worker / client" "$acc1" "$pg1" "$(python3 -c "print(f'{$acc1/$pg1:.2f}x')")"
printf '%-28s %10s %10s %8s\n' "16 workers / clients" "$acc16" "$pg16" "$(python3 -c "print(f'{$acc16/$pg16:.2f}x')")"
echo "$statement"
