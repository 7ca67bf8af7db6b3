#!/usr/bin/env bash
# Warm `buy_reward` throughput (1 and 16 workers, a persistent connection each) against `pgbench -N`
# (1 and 16 clients) on the same database in the same run, and the last unit of a reward raced by
# 50 buyers (one wins).
# Usage: bench/rewards.sh [SECONDS]   (starts a throwaway PostgreSQL with durable commits)
#        PUNTOS_BENCH_CONFIG=debug bench/rewards.sh   (the debug build, for a quick look; figures are lower)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
seconds=${1:-15}
config=${PUNTOS_BENCH_CONFIG:-release}

datadir=$(mktemp -d /tmp/puntos-bench-rewards.XXXXXX)
port=$(free_port)
trap 'stop_postgres "$datadir"; rm -rf "$datadir"' EXIT
start_postgres "$datadir" "$port"
admin="postgresql://postgres@127.0.0.1:$port/postgres"
psql -q -d "$admin" -c 'CREATE DATABASE puntos_bench'
export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/puntos_bench"

log "$config build of bench-rewards"
swift build -c "$config" --product bench-rewards >/dev/null
bin=$(swift build -c "$config" --show-bin-path)
if [ -x .build/debug/puntos ]; then puntos=.build/debug/puntos; else swift build --product puntos >/dev/null; puntos=.build/debug/puntos; fi
"$puntos" migrate --dir migrations >/dev/null

pgbench="$(postgres_bindir)/pgbench"
"$pgbench" -q -i -s 16 "$DATABASE_URL" >/dev/null 2>&1
pg_tps() { "$pgbench" -N -n -c "$1" -j "$(( $1 < 2 ? 1 : 2 ))" -T "$seconds" "$DATABASE_URL" 2>/dev/null \
    | awk '/^tps/ && t == "" {t = int($3)} END {print t}'; }

pg1=$(pg_tps 1)
buy1=$("$bin/bench-rewards" buy 1 "$seconds" | sed 's/.*tps=\([0-9]*\).*/\1/')
pg16=$(pg_tps 16)
buy16=$("$bin/bench-rewards" buy 16 "$seconds" | sed 's/.*tps=\([0-9]*\).*/\1/')
race=$("$bin/bench-rewards" race 50)

printf '%-28s %12s %10s %8s\n' "($config)" "buy_reward/s" "pgbench/s" "ratio"
printf '%-28s %12s %10s %8s\n' "1 worker / client" "$buy1" "$pg1" "$(python3 -c "print(f'{$buy1/$pg1:.2f}x')")"
printf '%-28s %12s %10s %8s\n' "16 workers / clients" "$buy16" "$pg16" "$(python3 -c "print(f'{$buy16/$pg16:.2f}x')")"
echo "$race"
