#!/usr/bin/env bash
# `puntos export ledger` and `puntos report liability` on a ledger of N entries, against psql's
# `\copy` of the same view in the same run, with the exporter's peak RSS at N/10 and at N entries:
# the export holds one row and a 64 KiB buffer, so its memory does not grow with the ledger.
# Usage: bench/data.sh [ENTRIES]   (default 1000000; starts a throwaway PostgreSQL with durable commits)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
entries=${1:-1000000}
small=$(( entries / 10 ))

datadir=$(mktemp -d /tmp/puntos-bench-data.XXXXXX)
port=$(free_port)
trap 'stop_postgres "$datadir"; rm -rf "$datadir"' EXIT
start_postgres "$datadir" "$port"
admin="postgresql://postgres@127.0.0.1:$port"
psql -q -d "$admin/postgres" -c 'CREATE DATABASE puntos_bench'
if [ -x .build/release/puntos ]; then puntos=.build/release/puntos; elif [ -x .build/debug/puntos ]; then puntos=.build/debug/puntos; else swift build --product puntos >/dev/null; puntos=.build/debug/puntos; fi
log "using $puntos"
PUNTOS_ADMIN_URL="$admin/puntos_bench" "$puntos" migrate --dir migrations >/dev/null
export DATABASE_URL="postgresql://puntos_app@127.0.0.1:$port/puntos_bench"

# A ledger of $1 entries over 10,000 customers (accruals with an invoice and an order number).
fill() {
    psql -q -d "$admin/puntos_bench" -v n="$1" <<'SQL'
INSERT INTO customers (programme_id, external_id)
SELECT 'default', 'B-' || i FROM generate_series(1, 10000) i ON CONFLICT DO NOTHING;
INSERT INTO ledger_entries (programme_id, customer_id, kind, available_delta, invoice_number, order_number, rule, reason, source, at)
SELECT 'default', c.id, 'accrual', 1 + i % 500, 'INV-' || i, 'ORD-' || i, '{"points_per_unit": 1, "rounding": "down"}',
       CASE WHEN i % 7 = 0 THEN 'goodwill, "quoted" \ reason' END, 'bench', now() - (i % 365) * interval '1 day'
FROM generate_series((SELECT count(*) FROM ledger_entries) + 1, :n) i
JOIN customers c ON c.external_id = 'B-' || (1 + i % 10000);
ANALYZE;
SQL
}

# seconds and peak RSS (KiB) of a command whose output goes to /dev/null
measure() { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1; }

printf '%-44s %12s %10s %14s\n' "" "entries" "seconds" "peak RSS KiB"
for n in "$small" "$entries"; do
    log "filling the ledger to $n entries"
    fill "$n"
    read -r s_csv rss_csv < <(measure "$puntos" export ledger --format csv)
    read -r s_jsonl rss_jsonl < <(measure "$puntos" export ledger --format jsonl)
    read -r s_psql rss_psql < <(measure psql -q -d "$DATABASE_URL" \
        -c '\copy (SELECT * FROM puntos_bi.ledger_entries ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true)')
    read -r s_report rss_report < <(measure "$puntos" report liability --format json)
    printf '%-44s %12s %10s %14s\n' "puntos export ledger --format csv" "$n" "$s_csv" "$rss_csv"
    printf '%-44s %12s %10s %14s\n' "puntos export ledger --format jsonl" "$n" "$s_jsonl" "$rss_jsonl"
    printf '%-44s %12s %10s %14s\n' "psql \\copy of the same view (baseline)" "$n" "$s_psql" "$rss_psql"
    printf '%-44s %12s %10s %14s\n' "puntos report liability" "$n" "$s_report" "$rss_report"
    printf '%-44s %12s %10s\n' "ratio csv export / psql" "$n" "$(python3 -c "print(f'{$s_csv/max($s_psql,0.01):.2f}x')")"
done
