-- The points ledger: programme rules, promotions, invoices, lots, append-only entries, holds and
-- per-customer balances that the database keeps equal to the sum of the entries.

-- Programme rules, changed as data and copied onto every entry as in force when it was written.
ALTER TABLE programmes
    ADD COLUMN points_per_unit    numeric(12,4) NOT NULL DEFAULT 1 CHECK (points_per_unit >= 0),
    ADD COLUMN rounding           text NOT NULL DEFAULT 'down' CHECK (rounding IN ('down', 'half_up', 'up')),
    ADD COLUMN min_redemption     bigint NOT NULL DEFAULT 0 CHECK (min_redemption >= 0),
    -- Money value of one point, in the programme's currency (Implosa: 0.01; ReBase: 1).
    ADD COLUMN point_value        numeric(12,6) NOT NULL DEFAULT 0.01 CHECK (point_value > 0),
    -- Largest share of an order payable with points (Rigla: 0.5).
    ADD COLUMN max_order_share    numeric(5,4) NOT NULL DEFAULT 1 CHECK (max_order_share > 0 AND max_order_share <= 1),
    ADD COLUMN pending_days       integer NOT NULL DEFAULT 0 CHECK (pending_days BETWEEN 0 AND 365),
    ADD COLUMN expiry             text NOT NULL DEFAULT 'none' CHECK (expiry IN ('none', 'rolling', 'end_of_year')),
    ADD COLUMN expiry_days        integer CHECK (expiry_days BETWEEN 1 AND 3650),
    ADD COLUMN expiry_notice_days integer NOT NULL DEFAULT 30 CHECK (expiry_notice_days BETWEEN 0 AND 365),
    ADD COLUMN allow_negative     boolean NOT NULL DEFAULT false,
    ADD COLUMN hold_minutes       integer NOT NULL DEFAULT 15 CHECK (hold_minutes BETWEEN 1 AND 1440),
    -- NULL: everywhere; else only these regions accrue.
    ADD COLUMN regions            text[],
    ADD COLUMN channels           text[] NOT NULL DEFAULT '{online,offline}',
    ADD CONSTRAINT programmes_expiry_days CHECK ((expiry = 'rolling') = (expiry_days IS NOT NULL));

-- SimpleWine's customer segments.
ALTER TABLE customers ADD COLUMN segment text CHECK (segment ~ '^[a-z0-9_-]{1,64}$');

-- Dated promotions: multiply or add points per unit for a sku, brand, category, segment or channel.
CREATE TABLE promotions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id text NOT NULL REFERENCES programmes (id),
    code         text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    target       text NOT NULL CHECK (target IN ('sku', 'brand', 'category', 'segment', 'channel')),
    value        text NOT NULL CHECK (length(value) BETWEEN 1 AND 128),
    multiplier   numeric(8,4) NOT NULL DEFAULT 1 CHECK (multiplier >= 0 AND multiplier <= 100),
    bonus_per_unit numeric(12,4) NOT NULL DEFAULT 0 CHECK (bonus_per_unit >= 0),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    CHECK (starts_at < ends_at),
    UNIQUE (programme_id, code)
);

-- One row per customer: the balances, changed only by the trigger on ledger_entries.
CREATE TABLE accounts (
    customer_id  bigint PRIMARY KEY REFERENCES customers (id),
    programme_id text NOT NULL REFERENCES programmes (id),
    available    bigint NOT NULL DEFAULT 0,
    pending      bigint NOT NULL DEFAULT 0 CHECK (pending >= 0),
    held         bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
    -- Copied from the programme: whether a return may take available below zero.
    may_go_negative boolean NOT NULL DEFAULT false,
    CHECK (available >= 0 OR may_go_negative)
);

-- Invoices (and moderated claims): the invoice number is unique per programme.
CREATE TABLE invoices (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id  text NOT NULL REFERENCES programmes (id),
    number        text NOT NULL CHECK (length(number) BETWEEN 1 AND 64),
    order_number  text CHECK (length(order_number) BETWEEN 1 AND 64),
    customer_id   bigint NOT NULL REFERENCES customers (id),
    card_number   text NOT NULL REFERENCES cards (number),
    channel       text NOT NULL CHECK (channel IN ('online', 'offline')),
    region        text,
    invoiced_at   timestamptz NOT NULL,
    currency      char(3) NOT NULL,
    -- accrued; pending_moderation until approved (accrued) or rejected.
    status        text NOT NULL CHECK (status IN ('accrued', 'pending_moderation', 'rejected', 'not_eligible')),
    points        bigint NOT NULL CHECK (points >= 0),
    lines         jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (programme_id, number)
);
CREATE INDEX invoices_order ON invoices (programme_id, order_number);

-- Lots: every credit, with its activation and expiry; `remaining` is what has not been spent,
-- held, taken back or expired.
CREATE TABLE lots (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customers (id),
    invoice_id   bigint REFERENCES invoices (id),
    points       bigint NOT NULL CHECK (points > 0),
    remaining    bigint NOT NULL CHECK (remaining >= 0 AND remaining <= points),
    activates_at timestamptz NOT NULL,
    active       boolean NOT NULL,
    expires_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lots_spendable ON lots (customer_id, expires_at NULLS LAST, id) WHERE remaining > 0 AND active;
CREATE INDEX lots_to_activate ON lots (activates_at) WHERE NOT active;
CREATE INDEX lots_to_expire ON lots (expires_at) WHERE remaining > 0 AND active;

-- Holds at checkout: open until committed (all or part), released, or timed out.
CREATE TABLE holds (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id   text NOT NULL REFERENCES programmes (id),
    customer_id    bigint NOT NULL REFERENCES customers (id),
    card_number    text NOT NULL REFERENCES cards (number),
    order_number   text NOT NULL CHECK (length(order_number) BETWEEN 1 AND 64),
    voucher_number text NOT NULL UNIQUE,
    points         bigint NOT NULL CHECK (points > 0),
    order_amount   numeric(14,2) NOT NULL CHECK (order_amount > 0),
    status         text NOT NULL CHECK (status IN ('open', 'committed', 'released', 'timed_out')),
    committed_points bigint CHECK (committed_points BETWEEN 0 AND points),
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL,
    resolved_at    timestamptz,
    CHECK ((status = 'open') = (resolved_at IS NULL)),
    CHECK ((status = 'committed') = (committed_points IS NOT NULL))
);
CREATE INDEX holds_open ON holds (expires_at) WHERE status = 'open';
CREATE UNIQUE INDEX holds_one_open_per_order ON holds (programme_id, order_number) WHERE status = 'open';

-- The ledger: append-only. Each entry moves points between the customer's buckets.
CREATE TABLE ledger_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id   text NOT NULL REFERENCES programmes (id),
    customer_id    bigint NOT NULL REFERENCES customers (id),
    card_number    text REFERENCES cards (number),
    kind           text NOT NULL CHECK (kind IN ('accrual', 'activation', 'redemption', 'hold', 'release',
                                                 'reversal', 'expiry', 'adjustment')),
    available_delta bigint NOT NULL DEFAULT 0,
    pending_delta  bigint NOT NULL DEFAULT 0,
    held_delta     bigint NOT NULL DEFAULT 0,
    invoice_number text,
    order_number   text,
    voucher_number text,
    hold_id        bigint REFERENCES holds (id),
    lot_id         bigint REFERENCES lots (id),
    -- The rule and settings in force: points per unit, rounding, promotions applied.
    rule           jsonb NOT NULL DEFAULT '{}',
    reason         text CHECK (length(reason) <= 500),
    source         text NOT NULL,
    request_id     text,
    at             timestamptz NOT NULL DEFAULT now(),
    CHECK (available_delta <> 0 OR pending_delta <> 0 OR held_delta <> 0)
);
CREATE INDEX ledger_entries_statement ON ledger_entries (customer_id, id DESC);
CREATE INDEX ledger_entries_order ON ledger_entries (programme_id, order_number) WHERE order_number IS NOT NULL;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();

-- Which lots each spend, hold, return or expiry drew from (negative) or gave back to (positive).
CREATE TABLE lot_draws (
    entry_id bigint NOT NULL REFERENCES ledger_entries (id),
    lot_id   bigint NOT NULL REFERENCES lots (id),
    points   bigint NOT NULL CHECK (points <> 0),
    PRIMARY KEY (entry_id, lot_id)
);
CREATE INDEX lot_draws_lot ON lot_draws (lot_id);
CREATE TRIGGER lot_draws_append_only BEFORE UPDATE OR DELETE ON lot_draws
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();

-- A balance is the sum of its entries: every entry adds its deltas to the account, in the same
-- statement, and the account's checks refuse a negative result.
CREATE FUNCTION puntos_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET available = available + NEW.available_delta, pending = pending + NEW.pending_delta,
                        held = held + NEW.held_delta
    WHERE customer_id = NEW.customer_id;
    IF NOT FOUND THEN
        INSERT INTO accounts (customer_id, programme_id, available, pending, held, may_go_negative)
        SELECT NEW.customer_id, NEW.programme_id, NEW.available_delta, NEW.pending_delta, NEW.held_delta, p.allow_negative
        FROM programmes p WHERE p.id = NEW.programme_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER ledger_entries_apply AFTER INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION puntos_apply_entry();
