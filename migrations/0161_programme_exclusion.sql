-- Programme exclusion (Rigla: an order on which SberSpasibo was applied earns and spends nothing of
-- ours). A programme lists the other programmes that exclude it; the first event on an order that
-- names one records the order, and every later invoice, hold or forecast on that order follows it.

CREATE TABLE programme_exclusions (
    programme_id    text NOT NULL REFERENCES programmes (id),
    other_programme text NOT NULL CHECK (other_programme ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    PRIMARY KEY (programme_id, other_programme)
);

CREATE TABLE excluded_orders (
    programme_id    text NOT NULL REFERENCES programmes (id),
    order_number    text NOT NULL CHECK (length(order_number) BETWEEN 1 AND 64),
    other_programme text NOT NULL,
    source          text NOT NULL,
    request_id      text,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme_id, order_number)
);
CREATE TRIGGER excluded_orders_append_only BEFORE UPDATE OR DELETE ON excluded_orders
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON excluded_orders FROM puntos_app;

ALTER TABLE programme_exclusions OWNER TO puntos_owner;
ALTER TABLE excluded_orders OWNER TO puntos_owner;
