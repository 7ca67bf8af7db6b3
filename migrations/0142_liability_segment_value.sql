-- The points liability per segment at the segment's own point value (segment_rules, 0141) where it
-- has one, else the programme's, both as now in force: a restaurant's point worth 0.50 is counted at
-- 0.50. Same signature and grants as 0100; the expiry report stays at the programme's point value (it
-- is per month, not per segment).
CREATE OR REPLACE FUNCTION puntos_bi.points_liability_at(as_of timestamptz)
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
    SELECT b.programme_id, p.currency, v.point_value, u.segment,
           count(*) FILTER (WHERE b.available <> 0 OR b.pending <> 0 OR b.held <> 0),
           sum(b.available)::bigint, sum(b.pending)::bigint, sum(b.held)::bigint,
           (-sum(least(b.available, 0)))::bigint,
           sum(b.available) * v.point_value, sum(b.pending) * v.point_value, sum(b.held) * v.point_value
    FROM (SELECT e.programme_id, e.customer_id, sum(e.available_delta) AS available, sum(e.pending_delta) AS pending,
                 sum(e.held_delta) AS held
          FROM ledger_entries e WHERE e.at <= as_of
          GROUP BY e.programme_id, e.customer_id) b
    JOIN programmes p ON p.id = b.programme_id
    JOIN customers u ON u.id = b.customer_id
    CROSS JOIN LATERAL (
        SELECT coalesce((SELECT r.point_value FROM segment_rules r
                         WHERE r.programme_id = b.programme_id AND r.segment = u.segment
                         ORDER BY r.version DESC LIMIT 1), p.point_value) AS point_value) v
    GROUP BY b.programme_id, p.currency, v.point_value, u.segment
$$;
