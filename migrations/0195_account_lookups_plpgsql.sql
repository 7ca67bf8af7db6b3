-- The two lookups left in LANGUAGE sql that an account lock runs (migrations 0110, 0143), in PL/pgSQL
-- for the reason migration 0177 gives: a SQL function that is not inlined is parsed and planned again
-- at every call, while a session keeps a PL/pgSQL function's plans. `puntos_agreement_from` ran once per
-- accrue and cost more than the rest of its statement (pg_stat_user_functions, bench/all).
CREATE OR REPLACE FUNCTION puntos_agreement_from(customer bigint) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    first timestamptz;
    zone text;
BEGIN
    SELECT min(accepted_at) INTO first FROM agreements WHERE customer_id = customer;
    IF first IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT p.time_zone INTO zone FROM customers u JOIN programmes p ON p.id = u.programme_id WHERE u.id = customer;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN date_trunc('day', first AT TIME ZONE zone) AT TIME ZONE zone;
END
$$;

CREATE OR REPLACE FUNCTION puntos_current_card(customer bigint) RETURNS text
LANGUAGE plpgsql STABLE STRICT AS $$
BEGIN
    RETURN (SELECT number FROM cards WHERE customer_id = customer
            ORDER BY (status = 'active') DESC, issued_at DESC, number LIMIT 1);
END
$$;
