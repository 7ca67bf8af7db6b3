-- Payouts (ReBase Smart): a member's points paid to a bank card through a provider. The points are
-- held (a hold of purpose `payout`, without a time limit) while an administrator moderates and the
-- provider pays; the provider's signed callback commits the hold (paid) or releases it (failed).
-- Puntos never stores a card number: the destination is the provider's token for the card.

-- A checkout hold times out; a payout hold waits for moderation and the provider, so has no expiry.
ALTER TABLE holds ADD COLUMN purpose text NOT NULL DEFAULT 'checkout' CHECK (purpose IN ('checkout', 'payout'));
ALTER TABLE holds ALTER COLUMN expires_at DROP NOT NULL;
ALTER TABLE holds ADD CONSTRAINT holds_expiry_by_purpose CHECK ((purpose = 'checkout') = (expires_at IS NOT NULL));

-- One payout request: its number (the provider's idempotency key, and the hold's order number), the
-- points and their money value, the tokenised destination, and where it stands.
CREATE TABLE payouts (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id       text NOT NULL REFERENCES programmes (id),
    number             text NOT NULL UNIQUE CHECK (number ~ '^P[0-9]{12}$'),
    customer_id        bigint NOT NULL REFERENCES customers (id),
    card_number        text NOT NULL REFERENCES cards (number),
    hold_id            bigint NOT NULL UNIQUE REFERENCES holds (id),
    points             bigint NOT NULL CHECK (points > 0),
    amount             numeric(14,2) NOT NULL CHECK (amount > 0),
    currency           char(3) NOT NULL,
    destination        text NOT NULL CHECK (destination ~ '^[A-Za-z0-9_:.-]{8,128}$'),
    -- requested -> approved | rejected; approved -> sent | undeliverable; then succeeded | failed.
    status             text NOT NULL CHECK (status IN ('requested', 'rejected', 'approved', 'sent', 'undeliverable',
                                                       'succeeded', 'failed')),
    provider_reference text CHECK (length(provider_reference) BETWEEN 1 AND 128),
    created_at         timestamptz NOT NULL,
    resolved_at        timestamptz,
    CHECK ((status IN ('rejected', 'succeeded', 'failed')) = (resolved_at IS NOT NULL))
);
CREATE INDEX payouts_customer ON payouts (customer_id, id);
CREATE INDEX payouts_waiting ON payouts (programme_id, id) WHERE status = 'requested';

-- Everything that happened to a payout, in order, with the provider's reference where it gave one.
CREATE TABLE payout_events (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payout_id          bigint NOT NULL REFERENCES payouts (id),
    kind               text NOT NULL CHECK (kind IN ('requested', 'approved', 'rejected', 'sent', 'undeliverable',
                                                     'succeeded', 'failed')),
    provider_reference text,
    detail             text CHECK (length(detail) <= 500),
    source             text NOT NULL,
    request_id         text,
    at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payout_events_payout ON payout_events (payout_id, id);
CREATE TRIGGER payout_events_append_only BEFORE UPDATE OR DELETE ON payout_events
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();

-- The payout outbox: written with the approval, sent by `deliver` to the provider's HTTP API with
-- retries and a dead-letter state. `body` is the exact JSON sent (the signature covers its bytes, the
-- same on every retry); `idempotency_key` is the header the provider deduplicates on.
CREATE TABLE payout_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payout_id       bigint NOT NULL UNIQUE REFERENCES payouts (id),
    programme_id    text NOT NULL REFERENCES programmes (id),
    idempotency_key text NOT NULL UNIQUE,
    body            text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX payout_requests_due ON payout_requests (next_attempt_at) WHERE status IN ('pending', 'sending');

-- Every attempt to reach the provider.
CREATE TABLE payout_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id    bigint NOT NULL REFERENCES payout_requests (id),
    attempt       integer NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('sent', 'temporary_failure', 'permanent_failure')),
    response_code integer,
    detail        text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payout_attempts_request ON payout_attempts (request_id, id);
CREATE TRIGGER payout_attempts_append_only BEFORE UPDATE OR DELETE ON payout_attempts
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON payout_events, payout_attempts FROM puntos_app;
ALTER TABLE payouts OWNER TO puntos_owner;
ALTER TABLE payout_events OWNER TO puntos_owner;
ALTER TABLE payout_requests OWNER TO puntos_owner;
ALTER TABLE payout_attempts OWNER TO puntos_owner;
