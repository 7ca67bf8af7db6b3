-- When a customer's points start to count: the start of the day, in the programme's time zone, on
-- which the agreement was first accepted (ONe: an invoice at 09:00 on a day accepted at 15:00 earns).
-- NULL without an agreement. One rule for every reader: accrue's account lock and `puntos import`.
CREATE FUNCTION puntos_agreement_from(customer bigint) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT date_trunc('day', m.first AT TIME ZONE p.time_zone) AT TIME ZONE p.time_zone
    FROM customers u
    JOIN programmes p ON p.id = u.programme_id
    CROSS JOIN (SELECT min(accepted_at) AS first FROM agreements WHERE customer_id = customer) m
    WHERE u.id = customer
$$;
ALTER FUNCTION puntos_agreement_from(bigint) OWNER TO puntos_owner;
