-- The read-only view layer for BI tools (PowerBI, Metabase, a warehouse loader) and for
-- `puntos export`: stable names in the schema `puntos_bi` (0100), each with a comment. A view's
-- columns are only ever added to, never renamed or removed, so a report built on them keeps working.
-- The views hold no contact data (e-mail, phone, name): a reader sees customers by id, external id
-- and segment. They run as their owner, so `puntos_reader` needs no grant on the tables.

-- Every ledger entry, with where it came from.
CREATE VIEW puntos_bi.ledger_entries AS
SELECT e.id, e.at, e.programme_id, e.customer_id, u.external_id AS customer_external_id, u.segment AS customer_segment,
       e.card_number, e.kind, e.available_delta + e.pending_delta + e.held_delta AS points,
       e.available_delta, e.pending_delta, e.held_delta, e.invoice_number, e.order_number, e.voucher_number,
       e.hold_id, e.lot_id, e.rule, e.reason, e.source, e.request_id
FROM public.ledger_entries e JOIN public.customers u ON u.id = e.customer_id;
COMMENT ON VIEW puntos_bi.ledger_entries IS
    'Every points ledger entry (append-only), with invoice, order and voucher numbers, the rule in force and its source.';
COMMENT ON COLUMN puntos_bi.ledger_entries.points IS 'available_delta + pending_delta + held_delta: the entry''s net effect.';
COMMENT ON COLUMN puntos_bi.ledger_entries.rule IS 'The earning rule and settings in force when the entry was written (JSON).';
COMMENT ON COLUMN puntos_bi.ledger_entries.source IS 'What wrote the entry: the function and event kind (accrue, redeem, expire, ...).';

-- Customers with their active card, agreement and balances; no contact data.
CREATE VIEW puntos_bi.customers AS
SELECT u.id, u.programme_id, u.external_id, u.segment, u.locale, u.created_at,
       (SELECT c.number FROM public.cards c WHERE c.customer_id = u.id AND c.status = 'active') AS active_card,
       (SELECT min(a.accepted_at) FROM public.agreements a WHERE a.customer_id = u.id) AS agreement_accepted_at,
       coalesce(b.available, 0) AS available, coalesce(b.pending, 0) AS pending, coalesce(b.held, 0) AS held,
       coalesce(b.available, 0) * p.point_value AS available_value, p.currency
FROM public.customers u
JOIN public.programmes p ON p.id = u.programme_id
LEFT JOIN public.accounts b ON b.customer_id = u.id;
COMMENT ON VIEW puntos_bi.customers IS
    'Loyalty members with their active card, first agreement acceptance and balances; no e-mail, phone or name.';

-- Invoices (and moderated claims) with the points they earned.
CREATE VIEW puntos_bi.invoices AS
SELECT i.id, i.programme_id, i.number, i.order_number, i.customer_id, i.card_number, i.channel, i.region,
       i.invoiced_at, i.currency, i.status, i.points, jsonb_array_length(i.lines) AS line_count, i.created_at
FROM public.invoices i;
COMMENT ON VIEW puntos_bi.invoices IS
    'Invoices and claims sent to accrue: channel (online or offline), status (accrued, pending_moderation, rejected, not_eligible) and points.';

-- Redemptions at checkout: holds and what became of them.
CREATE VIEW puntos_bi.redemptions AS
SELECT h.id, h.programme_id, h.customer_id, h.card_number, h.order_number, h.voucher_number, h.points AS held_points,
       h.committed_points, h.order_amount, h.status, h.created_at, h.expires_at, h.resolved_at
FROM public.holds h;
COMMENT ON VIEW puntos_bi.redemptions IS
    'Checkout holds by voucher number: open, committed (committed_points spent), released or timed out. Direct redeems are ledger entries of kind redemption without a hold.';

-- Points moved per day, programme and kind of entry.
CREATE VIEW puntos_bi.daily_points AS
SELECT (e.at AT TIME ZONE 'UTC')::date AS day, e.programme_id, e.kind, count(*) AS entries,
       sum(e.available_delta) AS available_delta, sum(e.pending_delta) AS pending_delta, sum(e.held_delta) AS held_delta
FROM public.ledger_entries e
GROUP BY 1, 2, 3;
COMMENT ON VIEW puntos_bi.daily_points IS 'Points moved per UTC day, programme and entry kind (accrual, redemption, expiry, ...).';

-- The liability now (the functions of 0100 take any moment).
CREATE VIEW puntos_bi.points_liability AS SELECT * FROM puntos_bi.points_liability_at(now());
COMMENT ON VIEW puntos_bi.points_liability IS
    'Outstanding available, pending and held points and their value per programme and segment, now; puntos_bi.points_liability_at(timestamptz) for another moment.';

CREATE VIEW puntos_bi.points_expiry AS SELECT * FROM puntos_bi.points_expiry_at(now());
COMMENT ON VIEW puntos_bi.points_expiry IS
    'Points left in lots per programme and expiry month (UTC; NULL: never), now; puntos_bi.points_expiry_at(timestamptz) for another moment.';

-- Owned by the owner role; readable, never writable, by the application role and puntos_reader.
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'puntos_bi' AND c.relkind = 'v'
    LOOP
        EXECUTE format('ALTER VIEW puntos_bi.%I OWNER TO puntos_owner', item.name);
    END LOOP;
END
$$;
REVOKE ALL ON ALL TABLES IN SCHEMA puntos_bi FROM PUBLIC, puntos_app, puntos_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA puntos_bi TO puntos_app, puntos_reader;
