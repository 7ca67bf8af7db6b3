-- The recipient key in one place for SQL, as `RecipientKey` (Functions/PuntosCore) is for Swift:
-- c:<customer id> for a customer, else e:<e-mail>, else p:<phone>.
CREATE FUNCTION puntos_recipient_key(customer_id bigint, email text, phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN customer_id IS NOT NULL THEN 'c:' || customer_id
                WHEN email IS NOT NULL THEN 'e:' || email
                ELSE 'p:' || phone END
$$;

-- Every key a person is known by (a stop under any of them stops messages to them).
CREATE FUNCTION puntos_recipient_keys(customer_id bigint, email text, phone text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_remove(ARRAY[puntos_recipient_key(customer_id, NULL, NULL), puntos_recipient_key(NULL, email, NULL),
                              puntos_recipient_key(NULL, NULL, phone)], NULL)
$$;

-- A subscription's subscriber is its recipient key, derived by the function rather than spelled again.
-- (PostgreSQL 15 cannot change a generated column's expression: the column and its indexes are made anew.)
ALTER TABLE alert_subscriptions DROP COLUMN subscriber;
ALTER TABLE alert_subscriptions
    ADD COLUMN subscriber text GENERATED ALWAYS AS (puntos_recipient_key(customer_id, email, NULL)) STORED;
CREATE UNIQUE INDEX alert_subscriptions_one_live
    ON alert_subscriptions (programme_id, subscriber, sku, kind, store) WHERE status IN ('pending', 'active');
CREATE INDEX alert_subscriptions_owner ON alert_subscriptions (programme_id, subscriber);
