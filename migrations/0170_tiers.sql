-- Tiers (issue 11): a programme's tier scheme, versioned like its other settings, and every tier
-- change of every member, append-only. A member's tier is the `to_tier` of its latest change; the
-- history is the truth and nothing caches it.

-- Each version of a programme's tiers, never edited: `configure` kind `tiers` adds the next one when
-- it differs from the latest (the latest is in force).
CREATE TABLE tier_schemes (
    programme_id   text NOT NULL REFERENCES programmes (id),
    version        integer NOT NULL CHECK (version >= 1),
    -- What qualifies: points earned (accruals less returns; not the balance) or money spent.
    basis          text NOT NULL CHECK (basis IN ('points', 'spend')),
    -- Over which window: the calendar year (UTC), or the last `window_months` months.
    qualification  text NOT NULL CHECK (qualification IN ('calendar_year', 'rolling_months')),
    window_months  integer CHECK (window_months BETWEEN 1 AND 36),
    -- What a review (the end of a period, or a return) does to a member who no longer qualifies.
    downgrade      text NOT NULL CHECK (downgrade IN ('one_down', 'recompute', 'after_x_days')),
    grace_days     integer CHECK (grace_days BETWEEN 1 AND 365),
    -- The tiers, lowest first: [{"code","name","threshold","multiplier"}] (TierScheme).
    tiers          jsonb NOT NULL CHECK (jsonb_typeof(tiers) = 'array'),
    source         text NOT NULL,
    request_id     text,
    effective_from timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme_id, version),
    CHECK ((qualification = 'rolling_months') = (window_months IS NOT NULL)),
    CHECK ((downgrade = 'after_x_days') = (grace_days IS NOT NULL))
);
CREATE TRIGGER tier_schemes_append_only BEFORE UPDATE OR DELETE ON tier_schemes
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON tier_schemes FROM puntos_app;

-- Every change of a member's tier: upgrades as an accrual crosses a threshold, downgrades by the
-- scheme's policy at a review (the sweep) or after a return.
CREATE TABLE tier_changes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id    text NOT NULL REFERENCES programmes (id),
    customer_id     bigint NOT NULL REFERENCES customers (id),
    -- Tier codes; null: no tier.
    from_tier       text,
    to_tier         text,
    direction       text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),
    -- qualified (an accrual crossed a threshold), period_end, grace_ended, return.
    reason          text NOT NULL CHECK (reason IN ('qualified', 'period_end', 'grace_ended', 'return')),
    -- What the member had qualified by when it was decided (points or money, by the basis).
    qualifying      numeric(16,2) NOT NULL,
    scheme_version  integer NOT NULL,
    -- The invoice whose accrual or return made the change.
    invoice_number  text,
    source          text NOT NULL,
    request_id      text,
    at              timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (programme_id, scheme_version) REFERENCES tier_schemes (programme_id, version),
    CHECK (from_tier IS DISTINCT FROM to_tier)
);
CREATE INDEX tier_changes_customer ON tier_changes (customer_id, id DESC);
CREATE INDEX tier_changes_programme ON tier_changes (programme_id, customer_id, id DESC);
CREATE TRIGGER tier_changes_append_only BEFORE UPDATE OR DELETE ON tier_changes
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON tier_changes FROM puntos_app;

ALTER TABLE tier_schemes OWNER TO puntos_owner;
ALTER TABLE tier_changes OWNER TO puntos_owner;

-- Spend qualifies from a member's own invoices.
CREATE INDEX IF NOT EXISTS invoices_customer_invoiced ON invoices (customer_id, invoiced_at);
