-- Rewards bought with points, and the coupons they become (`rewards`): a catalogue of versioned
-- reward terms, the codes of partner vouchers, coupons that keep the terms they were bought under,
-- and the append-only history of every coupon.

-- A reward, by its code: the version now on offer and its stock (sold never goes past the total;
-- the purchase takes a unit with one conditional UPDATE, so two buyers of the last unit: one wins).
CREATE TABLE rewards (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id    text NOT NULL REFERENCES programmes (id),
    code            text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    current_version integer NOT NULL CHECK (current_version >= 1),
    stock_total     bigint CHECK (stock_total >= 0),
    sold            bigint NOT NULL DEFAULT 0 CHECK (sold >= 0),
    UNIQUE (programme_id, code),
    CHECK (stock_total IS NULL OR sold <= stock_total)
);

-- The terms of each version, never edited: a change is a new version, and a coupon points at the
-- version it was bought under.
CREATE TABLE reward_versions (
    reward_id        bigint NOT NULL REFERENCES rewards (id),
    version          integer NOT NULL CHECK (version >= 1),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- amount_off: `amount` off the order; percent_off: `percent` of it, at most `max_discount`;
    -- free_product: one unit of `sku` free; voucher: a partner's code from the uploaded list.
    kind             text NOT NULL CHECK (kind IN ('amount_off', 'percent_off', 'free_product', 'voucher')),
    amount           numeric(14,2) CHECK (amount > 0),
    percent          numeric(5,2) CHECK (percent > 0 AND percent <= 100),
    max_discount     numeric(14,2) CHECK (max_discount > 0),
    sku              text CHECK (length(sku) BETWEEN 1 AND 128),
    min_order_amount numeric(14,2) CHECK (min_order_amount >= 0),
    price_points     bigint NOT NULL CHECK (price_points > 0),
    -- When it can be bought.
    offered_from     timestamptz,
    offered_until    timestamptz,
    -- How long a coupon is good for: days after purchase, and/or until a date.
    valid_days       integer CHECK (valid_days BETWEEN 1 AND 3650),
    valid_until      timestamptz,
    stock_total      bigint CHECK (stock_total >= 0),
    per_customer     integer CHECK (per_customer >= 1),
    segments         text[],
    combinable       boolean NOT NULL DEFAULT false,
    source           text NOT NULL,
    request_id       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reward_id, version),
    CHECK ((kind = 'amount_off') = (amount IS NOT NULL)),
    CHECK ((kind = 'percent_off') = (percent IS NOT NULL)),
    CHECK (max_discount IS NULL OR kind = 'percent_off'),
    CHECK ((kind = 'free_product') = (sku IS NOT NULL)),
    CHECK (valid_days IS NOT NULL OR valid_until IS NOT NULL),
    CHECK (offered_from IS NULL OR offered_until IS NULL OR offered_from < offered_until)
);
CREATE TRIGGER reward_versions_append_only BEFORE UPDATE OR DELETE ON reward_versions
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON reward_versions FROM puntos_app;

-- What the programme does with the points of a coupon that expired unused.
CREATE TABLE reward_rules (
    programme_id        text PRIMARY KEY REFERENCES programmes (id),
    refund_expired      boolean NOT NULL DEFAULT false,
    -- A coupon_expiring notice goes out this many days before a coupon expires (0: none).
    expiring_notice_days integer NOT NULL DEFAULT 3 CHECK (expiring_notice_days BETWEEN 0 AND 365)
);

-- Coupons: one per purchase. The code is random with a check character (CouponCode); the ledger
-- entry that paid for it is `entry_id`, its voucher number the purchase's.
CREATE TABLE coupons (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id   text NOT NULL REFERENCES programmes (id),
    code           text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{16}$'),
    reward_id      bigint NOT NULL,
    reward_version integer NOT NULL,
    customer_id    bigint NOT NULL REFERENCES customers (id),
    card_number    text NOT NULL REFERENCES cards (number),
    voucher_number text NOT NULL UNIQUE,
    points         bigint NOT NULL CHECK (points > 0),
    entry_id       bigint NOT NULL REFERENCES ledger_entries (id),
    -- A partner voucher's own code (kind voucher).
    partner_code   text,
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'used', 'expired', 'refunded')),
    valid_until    timestamptz NOT NULL,
    order_number   text CHECK (length(order_number) BETWEEN 1 AND 64),
    discount       numeric(14,2),
    used_at        timestamptz,
    bought_at      timestamptz NOT NULL,
    FOREIGN KEY (reward_id, reward_version) REFERENCES reward_versions (reward_id, version),
    CHECK ((status = 'used') = (used_at IS NOT NULL))
);
CREATE INDEX coupons_customer ON coupons (customer_id, reward_id);
CREATE INDEX coupons_active_until ON coupons (valid_until) WHERE status = 'active';

-- Partner voucher codes a shop uploads; each goes to one coupon.
CREATE TABLE reward_codes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reward_id bigint NOT NULL REFERENCES rewards (id),
    code      text NOT NULL CHECK (length(code) BETWEEN 1 AND 128),
    coupon_id bigint UNIQUE REFERENCES coupons (id),
    UNIQUE (reward_id, code)
);
CREATE INDEX reward_codes_free ON reward_codes (reward_id, id) WHERE coupon_id IS NULL;

-- Everything that happened to a coupon, in order.
CREATE TABLE coupon_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coupon_id    bigint NOT NULL REFERENCES coupons (id),
    kind         text NOT NULL CHECK (kind IN ('bought', 'used', 'restored', 'expired', 'refunded')),
    order_number text,
    discount     numeric(14,2),
    source       text NOT NULL,
    request_id   text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coupon_events_coupon ON coupon_events (coupon_id, id);
CREATE TRIGGER coupon_events_append_only BEFORE UPDATE OR DELETE ON coupon_events
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON coupon_events FROM puntos_app;

ALTER TABLE rewards OWNER TO puntos_owner;
ALTER TABLE reward_versions OWNER TO puntos_owner;
ALTER TABLE reward_rules OWNER TO puntos_owner;
ALTER TABLE coupons OWNER TO puntos_owner;
ALTER TABLE reward_codes OWNER TO puntos_owner;
ALTER TABLE coupon_events OWNER TO puntos_owner;
