#!/usr/bin/env bash
# Benchmark of product alerts and delivery, on a throwaway PostgreSQL of its own:
#   1. 1,000,000 price subscriptions over 200,000 skus (250,000 customers; USD and EUR; target price,
#      minimum drop in percent or amount; some expired), then a price feed changing 100,000 skus
#      (some out of stock). Times `notify-price-drop` on that feed (the whole process: start, JSON,
#      validation, one statement, commit) against the bare SQL statement that finds the same matches,
#      run by psql in the same run, and checks the notices written against the bare count.
#   2. `deliver` throughput to the local SMTP server (tests' aiosmtpd sink, storing every message).
# Usage: bench/alerts.sh [DELIVER_NOTICES (default 5000)]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
ensure_packages "${PUNTOS_PACKAGES[@]}"

deliver_notices=${1:-5000}
work=$(mktemp -d /tmp/puntos-bench-alerts.XXXXXX)
datadir=$(mktemp -d /tmp/puntos-bench-pg.XXXXXX)  # chowned to postgres by start_postgres
port=$(free_port)
smtp_pid=
cleanup() {
    [ -n "$smtp_pid" ] && kill -9 "$smtp_pid" 2>/dev/null || true
    stop_postgres "$datadir"
    rm -rf "$work" "$datadir"
}
trap cleanup EXIT

log "building notify-price-drop and deliver (release)"
swift build -c release --product notify-price-drop >/dev/null
swift build -c release --product deliver >/dev/null
swift build --product puntos >/dev/null
bin=$(swift build -c release --show-bin-path)
debug_bin=$(swift build --show-bin-path)

start_postgres "$datadir" "$port"
export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/puntos_bench"
psql -q -d "postgresql://postgres@127.0.0.1:$port/postgres" -c 'CREATE DATABASE puntos_bench'
"$debug_bin/puntos" migrate --dir migrations >/dev/null
sql() { psql -q -X -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"; }

log "generating 200,000 skus, 250,000 customers, 1,000,000 subscriptions"
sql <<'SQL'
INSERT INTO programmes (id, name, currency) VALUES ('bench', 'Benchmark', 'USD');
INSERT INTO product_prices (programme_id, store, sku, currency, price, in_stock, updated_at)
SELECT 'bench', 'web', 'S' || g, 'USD', 100 + g % 50, true, now() FROM generate_series(0, 199999) g;
INSERT INTO customers (programme_id, email, name, locale)
SELECT 'bench', 'c' || g || '@bench.example', 'Customer ' || g, (ARRAY['en', 'es', 'ru'])[1 + g % 3]
FROM generate_series(0, 249999) g;
-- Subscription i: customer i / 4 (ids in insertion order), sku i % 200000: four consecutive skus each.
INSERT INTO alert_subscriptions (programme_id, customer_id, kind, store, sku, currency, target_price, min_drop_percent,
                                 min_drop_amount, baseline_price, rearm, status, created_at, confirmed_at, expires_at)
SELECT 'bench', c.first_id + i / 4, 'price', 'web', 'S' || i % 200000,
       CASE WHEN i % 10 = 9 THEN 'EUR' ELSE 'USD' END,
       CASE WHEN i % 3 = 0 THEN 100 + i % 200000 % 50 - 5 - i % 20 END,
       CASE WHEN i % 3 = 1 THEN 5 + i % 21 END,
       CASE WHEN i % 3 = 2 THEN 1 + i % 20 END,
       100 + i % 200000 % 50,
       'further_drop', 'active', now(), now(),
       CASE WHEN i % 20 = 7 THEN now() - interval '1 day' ELSE now() + interval '90 days' END
FROM generate_series(0, 999999) i, (SELECT min(id) AS first_id FROM customers WHERE programme_id = 'bench') c;
-- The feed: every other sku, 0 to 29 percent cheaper, one in ten out of stock.
CREATE TABLE bench_feed AS
SELECT 'S' || g AS sku, round((100 + g % 50) * (100 - (g * 7919) % 30) / 100.0, 2) AS price, g % 10 <> 3 AS in_stock
FROM generate_series(0, 199999, 2) g;
VACUUM ANALYZE;
SQL
sql -tA -c "SELECT json_build_object('programme', 'bench', 'store', 'web', 'currency', 'USD',
                'items', json_agg(json_build_object('sku', sku, 'price', price::text, 'in_stock', in_stock)))
            FROM bench_feed" > "$work/feed.json"
printf '    subscriptions: %s, feed items: %s, event: %s bytes\n' \
    "$(sql -tA -c 'SELECT count(*) FROM alert_subscriptions')" "$(sql -tA -c 'SELECT count(*) FROM bench_feed')" \
    "$(wc -c < "$work/feed.json")"

# The matching part of notify-price-drop's statement, as a plain SELECT over the same feed.
bare="SELECT count(*) FROM bench_feed f
JOIN alert_subscriptions s ON s.programme_id = 'bench' AND s.store = 'web' AND s.sku = f.sku AND s.currency = 'USD'
 AND s.kind = 'price' AND s.status = 'active'
WHERE f.in_stock AND s.expires_at > now()
  AND (s.baseline_price IS NULL OR f.price < s.baseline_price)
  AND (s.target_price IS NULL OR f.price <= s.target_price)
  AND (s.min_drop_amount IS NULL OR s.baseline_price - f.price >= s.min_drop_amount)
  AND (s.min_drop_percent IS NULL OR (s.baseline_price - f.price) * 100 >= s.min_drop_percent * s.baseline_price)"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
best=
for _ in 1 2 3; do
    start=$(ms); expected=$(sql -tA -c "$bare"); elapsed=$(( $(ms) - start ))
    if [ -z "$best" ] || [ "$elapsed" -lt "$best" ]; then best=$elapsed; fi
done

# The Swift side alone: the same feed for a programme that does not exist is read, validated and refused.
sed 's/"programme" : "bench"/"programme" : "none"/' "$work/feed.json" > "$work/feed-none.json"
start=$(ms)
"$bin/notify-price-drop" --event "$work/feed-none.json" 2>/dev/null || true
swift_ms=$(( $(ms) - start ))

start=$(ms)
answer=$(PUNTOS_STATEMENT_TIMEOUT_MS=600000 PUNTOS_TIMEOUT_S=600 "$bin/notify-price-drop" --event "$work/feed.json")
function_ms=$(( $(ms) - start ))
notices=$(sql -tA -c "SELECT count(*) FROM notices WHERE programme_id = 'bench' AND kind = 'price_drop'")
echo
echo "notify-price-drop on 100,000 skus: ${function_ms} ms (process start to exit; answer $answer)"
echo "  of which reading and validating the event (same feed, unknown programme): ${swift_ms} ms"
echo "bare matching SELECT by psql:      ${best} ms (best of 3, psql round trip included)"
awk -v a="$function_ms" -v b="$best" 'BEGIN { printf "ratio: %.2fx\n", a / b }'
echo "notices written: $notices; matches by the bare statement: $expected"
[ "$notices" = "$expected" ] || { echo "MISMATCH: notices differ from the bare count" >&2; exit 1; }
again=$(PUNTOS_STATEMENT_TIMEOUT_MS=600000 "$bin/notify-price-drop" --event "$work/feed.json")
echo "the same feed again: $again"

log "delivering $deliver_notices notices to the local SMTP server"
mkdir -p "$work/mail"
smtp_port=$(free_port)
/usr/bin/python3 Tests/Fixtures/smtp_sink.py --dir "$work/mail" --port "$smtp_port" > "$work/smtp.out" &
smtp_pid=$!
sleep 1
start=$(ms)
answer=$(echo "{\"kind\":\"run\",\"programme\":\"bench\",\"limit\":$deliver_notices}" | \
    PUNTOS_SMTP_URL="smtp://127.0.0.1:$smtp_port" PUNTOS_SIGNING_SECRET=bench PUNTOS_DAILY_CAP=1000 \
    PUNTOS_DELIVER_MAX=$deliver_notices PUNTOS_TIMEOUT_S=600 "$bin/deliver")
deliver_ms=$(( $(ms) - start ))
received=$(find "$work/mail" -name '*.json' | wc -l)
echo "deliver: $answer in ${deliver_ms} ms; messages received by the SMTP server: $received"
awk -v m="$received" -v n="$deliver_notices" -v t="$deliver_ms" \
    'BEGIN { printf "deliver throughput: %.0f messages/s (%.0f notices/s)\n", m * 1000 / t, n * 1000 / t }'
