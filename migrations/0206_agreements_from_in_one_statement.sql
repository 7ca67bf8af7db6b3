-- When a customer's agreement starts counting (migration 0195: the first acceptance, from the start of
-- its day in the programme's time zone), for many customers in one statement. A LANGUAGE sql function
-- that returns a set is inlined into the statement that calls it, so `puntos import` asks it for a
-- whole batch's cards in its lookup (pg_stat_statements: the per-row PL/pgSQL call, two queries each,
-- was two thirds of that lookup), and `puntos_agreement_from`, which an account lock calls once, is now
-- this one query instead of two: the rule has one home.
CREATE FUNCTION puntos_agreements_from(customers bigint[])
RETURNS TABLE (customer_id bigint, agreement_from timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT u.id, date_trunc('day', min(a.accepted_at) AT TIME ZONE p.time_zone) AT TIME ZONE p.time_zone
    FROM customers u JOIN programmes p ON p.id = u.programme_id JOIN agreements a ON a.customer_id = u.id
    WHERE u.id = ANY (customers)
    GROUP BY u.id, p.time_zone
$$;
ALTER FUNCTION puntos_agreements_from(bigint[]) OWNER TO puntos_owner;

CREATE OR REPLACE FUNCTION puntos_agreement_from(customer bigint) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT f.agreement_from FROM puntos_agreements_from(ARRAY[customer]) f);
END
$$;
