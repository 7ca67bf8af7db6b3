-- The points liability: what a programme's unspent points are worth, as of any moment, computed from
-- the append-only ledger alone (never from the running balances), so the report equals the sum of
-- the entries by construction and can be asked about any past date.
--
-- The schema `puntos_bi` holds what reporting reads: these two functions here, the views of 0101.
-- Its objects run as their owner (SECURITY DEFINER with a fixed search_path), so a reader needs
-- SELECT on the views and EXECUTE on the functions, never a grant on the tables behind them.

CREATE SCHEMA IF NOT EXISTS puntos_bi;
ALTER SCHEMA puntos_bi OWNER TO puntos_owner;
COMMENT ON SCHEMA puntos_bi IS
    'Read-only reporting layer of Puntos (views and report functions with stable names), for BI tools and finance.';

-- Per programme and customer segment: the available, pending and held points outstanding at `as_of`
-- (the sums of every entry whose `at` is at or before it) and their money value at the programme's
-- point value now. `negative` is the points customers owe (the sum of the balances below zero, as a
-- positive number); `available` is the net sum, as the ledger says. The segment is the customer's
-- segment now (segments have no history). Tiers do not exist in Puntos yet.
CREATE FUNCTION puntos_bi.points_liability_at(as_of timestamptz)
RETURNS TABLE (
    programme_id    text,
    currency        char(3),
    point_value     numeric,
    segment         text,
    customers       bigint,
    available       bigint,
    pending         bigint,
    held            bigint,
    negative        bigint,
    available_value numeric,
    pending_value   numeric,
    held_value      numeric
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT b.programme_id, p.currency, p.point_value, u.segment,
           count(*) FILTER (WHERE b.available <> 0 OR b.pending <> 0 OR b.held <> 0),
           sum(b.available)::bigint, sum(b.pending)::bigint, sum(b.held)::bigint,
           (-sum(least(b.available, 0)))::bigint,
           sum(b.available) * p.point_value, sum(b.pending) * p.point_value, sum(b.held) * p.point_value
    FROM (SELECT e.programme_id, e.customer_id, sum(e.available_delta) AS available, sum(e.pending_delta) AS pending,
                 sum(e.held_delta) AS held
          FROM ledger_entries e WHERE e.at <= as_of
          GROUP BY e.programme_id, e.customer_id) b
    JOIN programmes p ON p.id = b.programme_id
    JOIN customers u ON u.id = b.customer_id
    GROUP BY b.programme_id, p.currency, p.point_value, u.segment
$$;
COMMENT ON FUNCTION puntos_bi.points_liability_at(timestamptz) IS
    'Outstanding available, pending and held points and their value per programme and segment at as_of, summed from ledger_entries.';

-- Per programme and expiry month (UTC; NULL: points that never expire): the points left in lots at
-- `as_of`, available or still pending. A lot's points left are its credit plus the draws of entries
-- at or before `as_of`; it is pending until its activation entry. Held points are not in any lot
-- (a hold draws them out; a release gives them back), so they are not here. A lot past its expiry
-- whose expiry entry came after `as_of` still counts, under its (past) month: the ledger had not
-- taken it yet.
CREATE FUNCTION puntos_bi.points_expiry_at(as_of timestamptz)
RETURNS TABLE (
    programme_id    text,
    currency        char(3),
    expiry_month    date,
    lots            bigint,
    available       bigint,
    pending         bigint,
    available_value numeric,
    pending_value   numeric
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH credited AS (
        SELECT DISTINCT ON (e.lot_id) e.lot_id, e.programme_id, e.pending_delta > 0 AS pending_at_credit
        FROM ledger_entries e
        WHERE e.lot_id IS NOT NULL AND e.at <= as_of
        ORDER BY e.lot_id, e.id),
    activated AS (
        SELECT DISTINCT e.lot_id FROM ledger_entries e
        WHERE e.kind = 'activation' AND e.lot_id IS NOT NULL AND e.at <= as_of),
    drawn AS (
        SELECT d.lot_id, sum(d.points) AS points
        FROM lot_draws d JOIN ledger_entries e ON e.id = d.entry_id
        WHERE e.at <= as_of
        GROUP BY d.lot_id),
    left_in_lots AS (
        SELECT c.programme_id, l.expires_at, l.points + coalesce(d.points, 0) AS remaining,
               c.pending_at_credit AND a.lot_id IS NULL AS pending
        FROM credited c
        JOIN lots l ON l.id = c.lot_id
        LEFT JOIN drawn d ON d.lot_id = c.lot_id
        LEFT JOIN activated a ON a.lot_id = c.lot_id)
    SELECT s.programme_id, p.currency, (date_trunc('month', s.expires_at AT TIME ZONE 'UTC'))::date,
           count(*), coalesce(sum(s.remaining) FILTER (WHERE NOT s.pending), 0)::bigint,
           coalesce(sum(s.remaining) FILTER (WHERE s.pending), 0)::bigint,
           coalesce(sum(s.remaining) FILTER (WHERE NOT s.pending), 0) * p.point_value,
           coalesce(sum(s.remaining) FILTER (WHERE s.pending), 0) * p.point_value
    FROM left_in_lots s JOIN programmes p ON p.id = s.programme_id
    WHERE s.remaining > 0
    GROUP BY s.programme_id, p.currency, p.point_value, 3
$$;
COMMENT ON FUNCTION puntos_bi.points_expiry_at(timestamptz) IS
    'Points left in lots at as_of, available or pending, and their value per programme and expiry month (UTC; NULL: never).';

ALTER FUNCTION puntos_bi.points_liability_at(timestamptz) OWNER TO puntos_owner;
ALTER FUNCTION puntos_bi.points_expiry_at(timestamptz) OWNER TO puntos_owner;

-- Readers: the application role (the `balance` function's liability report, `puntos report`), and
-- `puntos_reader`, a role without login to grant to a BI tool's own login (`GRANT puntos_reader TO powerbi`).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'puntos_reader') THEN
        BEGIN
            CREATE ROLE puntos_reader NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it at the same moment
        END;
    END IF;
END
$$;
REVOKE ALL ON SCHEMA puntos_bi FROM PUBLIC;
GRANT USAGE ON SCHEMA puntos_bi TO puntos_app, puntos_reader;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA puntos_bi FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA puntos_bi TO puntos_app, puntos_reader;
