-- The notice outbox: every message to a customer is written here in the same transaction as the
-- change it tells about, and delivered later by `deliver`. The dedupe key makes a repeated event
-- write nothing new.

CREATE TABLE notices (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id    text NOT NULL REFERENCES programmes (id),
    -- A known customer, or a guest reached only by the address below.
    customer_id     bigint REFERENCES customers (id),
    email           text CHECK (email = lower(email)),
    phone           text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    -- What happened: points_earned, points_spent, points_returned, points_expiring, price_drop, back_in_stock, ...
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z_]{1,62}$'),
    -- One notice per event it is about: (subscription, price), (ledger entry), (lot, expiry date).
    dedupe_key      text NOT NULL UNIQUE CHECK (length(dedupe_key) BETWEEN 1 AND 300),
    -- The facts the message templates need (points, balance, product, prices), never a rendered message.
    payload         jsonb NOT NULL DEFAULT '{}',
    locale          text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'suppressed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    CHECK (customer_id IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL)
);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notices_customer ON notices (customer_id, created_at);
