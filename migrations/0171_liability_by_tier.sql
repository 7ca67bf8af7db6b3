-- The points liability by tier (migration 0170): per programme with tiers and the tier each member held
-- at `as_of` (the latest `tier_changes` row at or before it; NULL: none), the outstanding available,
-- pending and held points at `as_of` (summed from the ledger, as points_liability_at) and their value at
-- the programme's point value now.
CREATE FUNCTION puntos_bi.points_liability_by_tier_at(as_of timestamptz)
RETURNS TABLE (
    programme_id    text,
    tier            text,
    customers       bigint,
    available       bigint,
    pending         bigint,
    held            bigint,
    available_value numeric,
    pending_value   numeric,
    held_value      numeric
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT b.programme_id, t.to_tier,
           count(*) FILTER (WHERE b.available <> 0 OR b.pending <> 0 OR b.held <> 0),
           sum(b.available)::bigint, sum(b.pending)::bigint, sum(b.held)::bigint,
           sum(b.available) * p.point_value, sum(b.pending) * p.point_value, sum(b.held) * p.point_value
    FROM (SELECT e.programme_id, e.customer_id, sum(e.available_delta) AS available, sum(e.pending_delta) AS pending,
                 sum(e.held_delta) AS held
          FROM ledger_entries e WHERE e.at <= as_of
          GROUP BY e.programme_id, e.customer_id) b
    JOIN programmes p ON p.id = b.programme_id
    LEFT JOIN LATERAL (SELECT c.to_tier FROM tier_changes c
                       WHERE c.customer_id = b.customer_id AND c.at <= as_of
                       ORDER BY c.id DESC LIMIT 1) t ON true
    WHERE EXISTS (SELECT 1 FROM tier_schemes s WHERE s.programme_id = b.programme_id)
    GROUP BY b.programme_id, p.point_value, t.to_tier
$$;
COMMENT ON FUNCTION puntos_bi.points_liability_by_tier_at(timestamptz) IS
    'Outstanding available, pending and held points and their value per programme and the tier held at as_of.';
ALTER FUNCTION puntos_bi.points_liability_by_tier_at(timestamptz) OWNER TO puntos_owner;
REVOKE ALL ON FUNCTION puntos_bi.points_liability_by_tier_at(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION puntos_bi.points_liability_by_tier_at(timestamptz) TO puntos_app, puntos_reader;
