-- Earning from actions (sign-up, birthday, a product review, the first app login, a survey, or any
-- action a programme names) and from referrals.

-- A customer's birth date, for the birthday sweep; optional, never in the future.
ALTER TABLE customers ADD COLUMN birth_date date CHECK (birth_date >= DATE '1900-01-01');
CREATE INDEX customers_birthday ON customers (programme_id, extract(month FROM birth_date), extract(day FROM birth_date))
    WHERE birth_date IS NOT NULL;

-- The points an action earns and how often: at most cap_count credits per cap_period (`once`: in a
-- customer's life). Versioned like segment rules: a change is a new row, the latest is in force.
CREATE TABLE action_rules (
    programme_id text NOT NULL REFERENCES programmes (id),
    action       text NOT NULL CHECK (action ~ '^[a-z0-9_-]{1,64}$'),
    version      integer NOT NULL CHECK (version >= 1),
    points       bigint NOT NULL CHECK (points BETWEEN 1 AND 1000000000),
    cap_period   text NOT NULL CHECK (cap_period IN ('once', 'day', 'month', 'year')),
    cap_count    integer NOT NULL CHECK (cap_count BETWEEN 1 AND 1000),
    active       boolean NOT NULL,
    source       text NOT NULL,
    request_id   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme_id, action, version)
);
CREATE TRIGGER action_rules_append_only BEFORE UPDATE OR DELETE ON action_rules
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON action_rules FROM puntos_app;
ALTER TABLE action_rules OWNER TO puntos_owner;

-- Every action credited: the n-th (seq) of its period (period_key: `once`, `2026`, `2026-12`,
-- `2026-12-03`, in the programme's time zone), with the rule version and the lot it became (its entry records the rule). The
-- unique key holds the cap even if two writers ever missed the account lock.
CREATE TABLE action_credits (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id text NOT NULL REFERENCES programmes (id),
    customer_id  bigint NOT NULL REFERENCES customers (id),
    action       text NOT NULL,
    rule_version integer NOT NULL,
    period_key   text NOT NULL,
    seq          integer NOT NULL CHECK (seq >= 1),
    points       bigint NOT NULL CHECK (points > 0),
    lot_id       bigint NOT NULL REFERENCES lots (id),
    reference    text CHECK (length(reference) BETWEEN 1 AND 128),
    request_id   text,
    at           timestamptz NOT NULL,
    UNIQUE (programme_id, customer_id, action, period_key, seq)
);
CREATE TRIGGER action_credits_append_only BEFORE UPDATE OR DELETE ON action_credits
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON action_credits FROM puntos_app;
ALTER TABLE action_credits OWNER TO puntos_owner;

-- What a referral earns: points for the referrer and for the referred customer on the referred
-- customer's first purchase of at least min_purchase, once its return window closed; at most
-- cap_per_referrer referrals credited per referrer. Versioned; the latest is in force.
CREATE TABLE referral_rules (
    programme_id     text NOT NULL REFERENCES programmes (id),
    version          integer NOT NULL CHECK (version >= 1),
    referrer_points  bigint NOT NULL CHECK (referrer_points BETWEEN 0 AND 1000000000),
    referred_points  bigint NOT NULL CHECK (referred_points BETWEEN 0 AND 1000000000),
    min_purchase     numeric(14,2) NOT NULL CHECK (min_purchase >= 0),
    cap_per_referrer integer NOT NULL CHECK (cap_per_referrer BETWEEN 1 AND 100000),
    active           boolean NOT NULL,
    source           text NOT NULL,
    request_id       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme_id, version),
    CHECK (referrer_points + referred_points > 0)
);
CREATE TRIGGER referral_rules_append_only BEFORE UPDATE OR DELETE ON referral_rules
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON referral_rules FROM puntos_app;
ALTER TABLE referral_rules OWNER TO puntos_owner;

-- A member's referral code: 12 characters of Crockford's base 32 and a check character, one per customer.
CREATE TABLE referral_codes (
    code         text PRIMARY KEY CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{13}$'),
    programme_id text NOT NULL REFERENCES programmes (id),
    customer_id  bigint NOT NULL UNIQUE REFERENCES customers (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER referral_codes_append_only BEFORE UPDATE OR DELETE ON referral_codes
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON referral_codes FROM puntos_app;
ALTER TABLE referral_codes OWNER TO puntos_owner;

-- A customer who registered with a referral code: pending until the first qualifying purchase's
-- return window closes (credited) or a guard refuses it (refused, with the reason). A refused
-- attempt at registration is recorded too. A customer is referred (pending or credited) at most once.
CREATE TABLE referrals (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id   text NOT NULL REFERENCES programmes (id),
    code           text NOT NULL REFERENCES referral_codes (code),
    referrer_id    bigint NOT NULL REFERENCES customers (id),
    referred_id    bigint NOT NULL REFERENCES customers (id),
    status         text NOT NULL CHECK (status IN ('pending', 'credited', 'refused')),
    reason         text CHECK (reason ~ '^[a-z_]{1,64}$'),
    invoice_number text,
    rule_version   integer,
    request_id     text,
    created_at     timestamptz NOT NULL,
    decided_at     timestamptz,
    CHECK ((status = 'refused') = (reason IS NOT NULL)),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX referrals_referred_once ON referrals (referred_id) WHERE status <> 'refused';
CREATE INDEX referrals_referrer ON referrals (referrer_id, status);
CREATE INDEX referrals_pending ON referrals (programme_id, id) WHERE status = 'pending';
-- A decided referral stays as decided.
CREATE FUNCTION puntos_referral_decided_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'a decided referral is not changed' USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END $$;
ALTER FUNCTION puntos_referral_decided_once() OWNER TO puntos_owner;
CREATE TRIGGER referrals_decided_once BEFORE UPDATE OR DELETE ON referrals
    FOR EACH ROW EXECUTE FUNCTION puntos_referral_decided_once();
REVOKE DELETE, TRUNCATE ON referrals FROM puntos_app;
ALTER TABLE referrals OWNER TO puntos_owner;
