-- A reward's per-customer limit counts per day, week or month (UTC; weeks from Monday), or over the
-- whole campaign (the default, as before).
ALTER TABLE reward_versions ADD COLUMN per_customer_period text NOT NULL DEFAULT 'campaign'
    CHECK (per_customer_period IN ('day', 'week', 'month', 'campaign'));
CREATE INDEX coupons_customer_bought ON coupons (customer_id, reward_id, bought_at);
