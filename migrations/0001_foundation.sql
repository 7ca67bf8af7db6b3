-- Foundation: programmes, customers, cards, agreements, the card history and idempotency keys.
-- Rules that must always hold are constraints here, not only checks in Swift.

-- Append-only tables refuse UPDATE and DELETE: history is corrected by a new row.
CREATE FUNCTION puntos_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

-- The Luhn (mod 10) check digit, the same rule as Swift's CardNumber.
CREATE FUNCTION puntos_luhn_valid(number text) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT number ~ '^[0-9]+$' AND (
        SELECT sum(CASE WHEN i % 2 = 0 THEN (CASE WHEN d * 2 > 9 THEN d * 2 - 9 ELSE d * 2 END) ELSE d END) % 10 = 0
        FROM (SELECT ordinality AS i, digit::int AS d
              FROM unnest(string_to_array(reverse(number), NULL)) WITH ORDINALITY AS t(digit, ordinality)) AS digits
    )
$$;

CREATE TABLE programmes (
    id                   text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency             char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- Virtual card numbers start with this prefix and end with a Luhn check digit.
    card_prefix          text NOT NULL DEFAULT '7789' CHECK (card_prefix ~ '^[0-9]{1,8}$'),
    card_length          integer NOT NULL DEFAULT 16 CHECK (card_length BETWEEN 12 AND 19),
    -- Phone numbers written without a country code get this one (E.164 calling code).
    default_country_code text NOT NULL DEFAULT '1' CHECK (default_country_code ~ '^[1-9][0-9]{0,2}$'),
    agreement_required   boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (length(card_prefix) < card_length)
);

INSERT INTO programmes (id, name, currency) VALUES ('default', 'Default programme', 'USD');

CREATE TABLE customers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id text NOT NULL REFERENCES programmes (id),
    external_id  text CHECK (length(external_id) BETWEEN 1 AND 128),
    email        text CHECK (email = lower(email) AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND length(email) <= 254),
    phone        text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    name         text CHECK (length(name) <= 200),
    locale       text CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (external_id IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL),
    UNIQUE (programme_id, external_id),
    UNIQUE (programme_id, email),
    UNIQUE (programme_id, phone)
);

CREATE TABLE cards (
    number            text PRIMARY KEY CHECK (number ~ '^[0-9]{12,19}$' AND puntos_luhn_valid(number)),
    programme_id      text NOT NULL REFERENCES programmes (id),
    customer_id       bigint NOT NULL REFERENCES customers (id),
    origin            text NOT NULL CHECK (origin IN ('virtual', 'printed')),
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'replaced')),
    status_reason     text CHECK (length(status_reason) <= 500),
    replaced_by       text REFERENCES cards (number) DEFERRABLE INITIALLY DEFERRED,
    issued_at         timestamptz NOT NULL DEFAULT now(),
    status_changed_at timestamptz,
    CHECK ((status = 'replaced') = (replaced_by IS NOT NULL)),
    CHECK (status = 'active' OR status_changed_at IS NOT NULL)
);
-- A customer has at most one active card in a programme.
CREATE UNIQUE INDEX cards_one_active_per_customer ON cards (customer_id) WHERE status = 'active';
CREATE INDEX cards_customer ON cards (customer_id);

-- Every change to a card, in order: issued, linked, blocked, replaced.
CREATE TABLE card_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_number text NOT NULL REFERENCES cards (number),
    kind        text NOT NULL CHECK (kind IN ('issued', 'linked', 'blocked', 'replaced', 'replacement')),
    reason      text CHECK (length(reason) <= 500),
    related     text REFERENCES cards (number),
    source      text NOT NULL,
    request_id  text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_events_card ON card_events (card_number, id);
CREATE TRIGGER card_events_append_only BEFORE UPDATE OR DELETE ON card_events
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();

-- Acceptances of the programme agreement. Points accrue only from the first acceptance on.
CREATE TABLE agreements (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    version     text NOT NULL CHECK (length(version) BETWEEN 1 AND 64),
    accepted_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    source      text NOT NULL,
    request_id  text,
    UNIQUE (customer_id, version),
    CHECK (accepted_at <= recorded_at + interval '5 minutes')
);
CREATE TRIGGER agreements_append_only BEFORE UPDATE OR DELETE ON agreements
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();

-- The first answer to every idempotency key: a repeat returns it, another body under the key conflicts.
CREATE TABLE idempotency_keys (
    programme_id text NOT NULL REFERENCES programmes (id),
    scope        text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request      jsonb NOT NULL,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme_id, scope, key)
);
