-- Budgets and caps on promotions (Talon.One's limits; abuse control). A promotion may carry a budget
-- (the extra points it may give in all) and a cap per customer per day, week, month (UTC; weeks from
-- Monday) or over the campaign. The promotion itself is never edited: its limits and what it has
-- given are here. An accrual takes its extra points from the budget under the limit row's lock (in
-- promotion code order, after the account lock), so concurrent accruals never give more than the
-- budget; the CHECK says so too.
CREATE TABLE promotion_limits (
    promotion_id  bigint PRIMARY KEY REFERENCES promotions (id),
    budget_points bigint CHECK (budget_points > 0),
    given_points  bigint NOT NULL DEFAULT 0 CHECK (given_points >= 0),
    cap_points    bigint CHECK (cap_points > 0),
    cap_period    text CHECK (cap_period IN ('day', 'week', 'month', 'campaign')),
    CHECK (budget_points IS NULL OR given_points <= budget_points),
    CHECK ((cap_points IS NULL) = (cap_period IS NULL)),
    CHECK (budget_points IS NOT NULL OR cap_points IS NOT NULL)
);

-- Every accrual's claim on a limited promotion: the extra points it would have given and those it
-- gave (a customer's cap counts these). Append-only.
CREATE TABLE promotion_grants (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    promotion_id   bigint NOT NULL REFERENCES promotions (id),
    customer_id    bigint NOT NULL REFERENCES customers (id),
    invoice_number text NOT NULL,
    asked          bigint NOT NULL CHECK (asked >= 0),
    granted        bigint NOT NULL CHECK (granted >= 0 AND granted <= asked),
    at             timestamptz NOT NULL
);
CREATE INDEX promotion_grants_customer ON promotion_grants (promotion_id, customer_id, at);
CREATE TRIGGER promotion_grants_append_only BEFORE UPDATE OR DELETE ON promotion_grants
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON promotion_grants FROM puntos_app;
ALTER TABLE promotion_limits OWNER TO puntos_owner;
ALTER TABLE promotion_grants OWNER TO puntos_owner;
