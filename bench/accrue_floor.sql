-- The schema's floor for one `accrue` of an invoice (bench/all): exactly the rows one accrue writes, with
-- bind parameters (`pgbench -M prepared -f bench/accrue_floor.sql`), in one transaction: the idempotency
-- record (with its answer), the invoice, its lot, the ledger entry (whose trigger updates the account)
-- and the notice. Nothing is read but what the inserts return. Each pgbench client owns one card
-- (`bench_floor`, made by bench/all from the cards it issued), as each warm accrue worker does.
-- (No colon is followed by a letter or digit inside a literal: pgbench would read it as a variable.)
\set n random(1, 9000000000000000000)
BEGIN;
INSERT INTO idempotency_keys (programme_id, scope, key, request, response)
SELECT 'default', 'invoice', 'invoice:' || 'FLOOR-' || :n::text, jsonb_build_object('kind', 'invoice', 'card_number', f.card_number,
       'number', 'FLOOR-' || :n::text, 'date', make_timestamptz(2026, 6, 1, 10, 0, 0, 'UTC'), 'currency', 'USD',
       'lines', '[{"sku": "SKU-1","brand": "Acme","quantity": 2,"amount": 19.99},{"sku": "SKU-2","quantity": 1,"amount": 5.50}]'::jsonb),
       '{"ok": {"status": "accrued","points": 45}}'::jsonb
FROM bench_floor f WHERE f.client = :client_id;
INSERT INTO invoices (programme_id, number, order_number, customer_id, card_number, channel, region, invoiced_at, currency,
                      status, points, lines)
SELECT 'default', 'FLOOR-' || :n::text, 'O-' || :n::text, f.customer_id, f.card_number, 'online', NULL, make_timestamptz(2026, 6, 1, 10, 0, 0, 'UTC'), 'USD',
       'accrued', 45, '[{"sku": "SKU-1","brand": "Acme","quantity": 2,"amount": "19.99","points": 39},{"sku": "SKU-2","quantity": 1,"amount": "5.50","points": 5}]'
FROM bench_floor f WHERE f.client = :client_id
RETURNING id AS invoice_id, customer_id \gset
INSERT INTO lots (customer_id, invoice_id, points, remaining, activates_at, active, expires_at)
VALUES (:customer_id, :invoice_id, 45, 45, now(), true, now() + interval '365 days')
RETURNING id AS lot_id \gset
INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, pending_delta, held_delta,
                            invoice_number, order_number, lot_id, rule, source, request_id)
SELECT 'default', f.customer_id, f.card_number, 'accrual', 45, 0, 0, 'FLOOR-' || :n::text, 'O-' || :n::text, :lot_id,
       '{"earning": {"points_per_unit": 1,"rounding": "down"},"pending_days": 0,"expiry": "none"}', 'accrue.invoice', 'floor-' || :n::text
FROM bench_floor f WHERE f.client = :client_id
RETURNING id AS entry_id \gset
INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale)
VALUES ('default', :customer_id, 'points_earned', 'ledger:' || :entry_id::bigint,
        jsonb_build_object('entry_id', :entry_id::bigint, 'kind', 'accrual', 'points', 45, 'available', 45, 'invoice_number', 'FLOOR-' || :n::text),
        'en');
END;
