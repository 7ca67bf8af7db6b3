-- Dates as the business saw them, the rounding basis, and channels per invoice line (issue 15, items 9, 11, 12).

-- How an invoice's points are rounded: `invoice` sums the exact points of its lines and rounds once;
-- `line` rounds each line (the rule before this migration, kept for invoices already recorded).
-- An invoice dated more than `notice_max_age_days` days before it is recorded sends no "you earned"
-- notice (its notice is written `suppressed`, so every entry still has one).
ALTER TABLE programmes
    ADD COLUMN rounding_basis      text NOT NULL DEFAULT 'invoice' CHECK (rounding_basis IN ('invoice', 'line')),
    ADD COLUMN notice_max_age_days integer NOT NULL DEFAULT 30 CHECK (notice_max_age_days BETWEEN 0 AND 3650);

-- The day the entry happened in the business (the invoice's date, the lot's expiry), when it differs
-- from `at`, the time it was recorded. NULL: the same as `at`.
ALTER TABLE ledger_entries ADD COLUMN business_at timestamptz;

-- An invoice whose lines are in both channels (ONe: the order number on each line tells them apart).
ALTER TABLE invoices DROP CONSTRAINT invoices_channel_check,
    ADD CONSTRAINT invoices_channel_check CHECK (channel IN ('online', 'offline', 'mixed'));

-- The BI view gains the business date (columns are only ever added).
CREATE OR REPLACE VIEW puntos_bi.ledger_entries AS
SELECT e.id, e.at, e.programme_id, e.customer_id, u.external_id AS customer_external_id, u.segment AS customer_segment,
       e.card_number, e.kind, e.available_delta + e.pending_delta + e.held_delta AS points,
       e.available_delta, e.pending_delta, e.held_delta, e.invoice_number, e.order_number, e.voucher_number,
       e.hold_id, e.lot_id, e.rule, e.reason, e.source, e.request_id, coalesce(e.business_at, e.at) AS business_at
FROM public.ledger_entries e JOIN public.customers u ON u.id = e.customer_id;
COMMENT ON COLUMN puntos_bi.ledger_entries.business_at IS
    'When it happened in the business: the invoice''s date for an accrual, the lot''s expiry for an expiry; else at.';
COMMENT ON VIEW puntos_bi.invoices IS
    'Invoices and claims sent to accrue: channel (online, offline, or mixed when its lines differ), status (accrued, pending_moderation, rejected, not_eligible) and points.';

-- The order numbers on an invoice's lines, indexed, so that cancelling an online order finds the
-- invoices whose lines carry its number (ONe) without reading every invoice.
CREATE FUNCTION puntos_line_order_numbers(lines jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT jsonb_path_query_array(lines, '$[*].order_number')
$$;
ALTER FUNCTION puntos_line_order_numbers(jsonb) OWNER TO puntos_owner;
CREATE INDEX invoices_line_orders ON invoices USING gin (puntos_line_order_numbers(lines));
