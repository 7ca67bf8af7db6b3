-- The customers a statement reads (migration 0175), in PL/pgSQL like the other merge lookups (0177): a
-- session keeps its plan, and a customer nothing was merged into costs one probe of member_merges'
-- survivor index.
CREATE OR REPLACE FUNCTION puntos_merged_customers(customer bigint) RETURNS bigint[]
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    everyone bigint[] := ARRAY[customer];
    frontier bigint[] := ARRAY[customer];
BEGIN
    FOR depth IN 1..64 LOOP
        SELECT array_agg(m.absorbed_id) INTO frontier FROM member_merges m WHERE m.survivor_id = ANY (frontier);
        EXIT WHEN frontier IS NULL;
        everyone := everyone || frontier;
    END LOOP;
    RETURN (SELECT array_agg(x ORDER BY x) FROM unnest(everyone) AS x);
END
$$;
