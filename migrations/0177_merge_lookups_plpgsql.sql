-- The merge lookups that every account lock runs (migration 0175), in PL/pgSQL: a session keeps their
-- plans (a SQL function that is not inlined is planned again at each call), and a customer never merged,
-- the usual case, is answered by one probe of member_merges' unique index.
CREATE OR REPLACE FUNCTION puntos_survivor(customer bigint) RETURNS bigint LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    current bigint := customer;
    next bigint;
BEGIN
    FOR depth IN 1..64 LOOP
        SELECT survivor_id INTO next FROM member_merges WHERE absorbed_id = current;
        IF NOT FOUND THEN
            RETURN current;
        END IF;
        current := next;
    END LOOP;
    RETURN current;
END
$$;

CREATE OR REPLACE FUNCTION puntos_account_card(programme text, card text, external text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    owner bigint;
BEGIN
    IF card IS NULL THEN
        SELECT x.id INTO owner FROM customers x WHERE x.programme_id = programme AND x.external_id = external;
        RETURN CASE WHEN owner IS NULL THEN NULL ELSE puntos_current_card(puntos_survivor(owner)) END;
    END IF;
    SELECT c.customer_id INTO owner FROM cards c
    WHERE c.number = card AND c.status = 'replaced'
      AND (SELECT e.kind FROM card_events e
           WHERE e.card_number = c.number AND e.kind IN ('merged', 'replaced') ORDER BY e.id DESC LIMIT 1) = 'merged';
    RETURN CASE WHEN owner IS NULL THEN card ELSE coalesce(puntos_current_card(owner), card) END;
END
$$;
