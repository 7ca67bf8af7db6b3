-- Product alerts: what the shop last told about prices and stock, and who wants to hear of a change.

-- The last price of a sku per store and currency, as the price feed told it.
CREATE TABLE product_prices (
    programme_id text NOT NULL REFERENCES programmes (id),
    store        text NOT NULL CHECK (length(store) BETWEEN 1 AND 64),
    sku          text NOT NULL CHECK (length(sku) BETWEEN 1 AND 128),
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    price        numeric(18, 4) NOT NULL CHECK (price >= 0),
    in_stock     boolean NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (programme_id, store, sku, currency)
) WITH (fillfactor = 80);  -- room for HOT updates: every feed rewrites prices

-- The stock of a sku per store. `restock_seq` counts the changes from not sellable to sellable;
-- `wave_*` spread one restock's notices over time.
CREATE TABLE product_stock (
    programme_id  text NOT NULL REFERENCES programmes (id),
    store         text NOT NULL CHECK (length(store) BETWEEN 1 AND 64),
    sku           text NOT NULL CHECK (length(sku) BETWEEN 1 AND 128),
    quantity      integer NOT NULL,
    sellable      boolean NOT NULL,
    restock_seq   integer NOT NULL DEFAULT 0,
    restocked_at  timestamptz,
    wave_size     integer CHECK (wave_size > 0),
    wave_interval interval,
    next_wave_at  timestamptz,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (programme_id, store, sku)
);
CREATE INDEX product_stock_waves ON product_stock (next_wave_at) WHERE next_wave_at IS NOT NULL;

-- A person's wish to hear that a sku got cheaper or came back. A customer, or a guest by e-mail who
-- must confirm (status pending) before anything but the confirmation is sent.
CREATE TABLE alert_subscriptions (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id      text NOT NULL REFERENCES programmes (id),
    customer_id       bigint REFERENCES customers (id),
    email             text CHECK (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    subscriber        text GENERATED ALWAYS AS (CASE WHEN customer_id IS NOT NULL THEN 'c:' || customer_id ELSE 'e:' || email END) STORED,
    kind              text NOT NULL CHECK (kind IN ('price', 'stock')),
    store             text NOT NULL CHECK (length(store) BETWEEN 1 AND 64),
    sku               text NOT NULL CHECK (length(sku) BETWEEN 1 AND 128),
    currency          char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    product_name      text CHECK (length(product_name) <= 200),
    -- price: fire at or below a target, or on a minimum drop against the baseline (the price when
    -- subscribed, then the price last notified).
    target_price      numeric(18, 4) CHECK (target_price >= 0),
    min_drop_percent  numeric(5, 2) CHECK (min_drop_percent > 0 AND min_drop_percent < 100),
    min_drop_amount   numeric(18, 4) CHECK (min_drop_amount > 0),
    baseline_price    numeric(18, 4) CHECK (baseline_price >= 0),
    previous_baseline numeric(18, 4),
    -- stock: fire when at least this many are sellable; `notified_restock` is the restock last told of.
    min_quantity      integer CHECK (min_quantity > 0),
    notified_restock  integer,
    rearm             text NOT NULL CHECK (rearm IN ('once', 'further_drop', 'every_restock')),
    channel           text CHECK (channel IN ('email', 'sms', 'webhook')),
    locale            text CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
    status            text NOT NULL CHECK (status IN ('pending', 'active', 'fired', 'removed', 'expired')),
    created_at        timestamptz NOT NULL,
    confirmed_at      timestamptz,
    expires_at        timestamptz NOT NULL,
    last_fired_at     timestamptz,
    fire_count        integer NOT NULL DEFAULT 0,
    removed_at        timestamptz,
    CHECK ((customer_id IS NULL) <> (email IS NULL)),
    CHECK (kind <> 'price' OR (currency IS NOT NULL AND num_nonnulls(target_price, min_drop_percent, min_drop_amount) >= 1)),
    CHECK (min_drop_percent IS NULL AND min_drop_amount IS NULL OR baseline_price IS NOT NULL),
    CHECK (status <> 'active' OR confirmed_at IS NOT NULL)
) WITH (fillfactor = 80);  -- room for HOT updates: firing rewrites baseline and last_fired_at
-- One live subscription per person, sku, kind and store.
CREATE UNIQUE INDEX alert_subscriptions_one_live
    ON alert_subscriptions (programme_id, subscriber, sku, kind, store) WHERE status IN ('pending', 'active');
CREATE INDEX alert_subscriptions_price ON alert_subscriptions (programme_id, store, sku, currency)
    WHERE kind = 'price' AND status = 'active';
CREATE INDEX alert_subscriptions_stock ON alert_subscriptions (programme_id, store, sku, created_at)
    WHERE kind = 'stock' AND status = 'active';
CREATE INDEX alert_subscriptions_owner ON alert_subscriptions (programme_id, subscriber);

-- How a customer wants to be reached: time zone (quiet hours), channel, daily cap.
CREATE TABLE notification_settings (
    customer_id       bigint PRIMARY KEY REFERENCES customers (id),
    time_zone         text,
    preferred_channel text CHECK (preferred_channel IN ('email', 'sms', 'webhook')),
    daily_cap         integer CHECK (daily_cap >= 0),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- People who said stop. `address_key` is c:<customer id>, e:<e-mail> or p:<phone>.
CREATE TABLE unsubscribes (
    programme_id text NOT NULL REFERENCES programmes (id),
    address_key  text NOT NULL CHECK (address_key ~ '^[cep]:.+'),
    notice_id    bigint,
    source       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme_id, address_key)
);

-- The outbox learns the channel a notice asks for and a lease for claimed notices.
ALTER TABLE notices ADD COLUMN channel text CHECK (channel IN ('email', 'sms', 'webhook'));
ALTER TABLE notices ADD COLUMN last_error text;
CREATE INDEX notices_sending ON notices (next_attempt_at) WHERE status = 'sending';

-- Every delivery attempt and its outcome, append-only.
CREATE TABLE delivery_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id     bigint NOT NULL REFERENCES notices (id),
    attempt       integer NOT NULL,
    channel       text,
    recipient_key text,
    message_id    text,
    outcome       text NOT NULL CHECK (outcome IN ('sent', 'temporary_failure', 'permanent_failure', 'deferred', 'suppressed')),
    response_code integer,
    detail        text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_attempts_notice ON delivery_attempts (notice_id, id);
CREATE INDEX delivery_attempts_recipient_sent ON delivery_attempts (recipient_key, at) WHERE outcome = 'sent';
CREATE TRIGGER delivery_attempts_append_only BEFORE UPDATE OR DELETE ON delivery_attempts
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
