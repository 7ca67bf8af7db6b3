-- The customer's current card, the one rule every statement uses (CurrentCardStore in PuntosCore):
-- the active card, else the most recently issued, ties broken on the number. NULL without a card.
CREATE FUNCTION puntos_current_card(customer bigint) RETURNS text LANGUAGE sql STABLE STRICT AS $$
    SELECT number FROM cards WHERE customer_id = customer
    ORDER BY (status = 'active') DESC, issued_at DESC, number LIMIT 1
$$;
ALTER FUNCTION puntos_current_card(bigint) OWNER TO puntos_owner;
