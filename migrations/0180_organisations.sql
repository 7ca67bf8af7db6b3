-- Organisations (`organisations`): a company client (ONe B2B) or a partner (ReBase Smart), its
-- members (customers) with a role, and where their points live: in a pool, the organisation's own
-- account, or each on its own with the organisation as a reporting group. Joining a moderated
-- organisation waits for an administrator's approve or reject, like a moderated claim.

-- A pool is a customer row of its own, with no identity (nothing can name it by external id, e-mail
-- or phone, so no card can be issued to it by register-card) and one blocked card: the ledger sees an
-- ordinary account, members earn into it and spend from it with their own cards.
ALTER TABLE customers ADD COLUMN organisation_pool boolean NOT NULL DEFAULT false;
ALTER TABLE customers DROP CONSTRAINT customers_check;
ALTER TABLE customers ADD CONSTRAINT customers_identity
    CHECK (external_id IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL OR organisation_pool);

CREATE TABLE organisations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id     text NOT NULL REFERENCES programmes (id),
    code             text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- company: a client whose staff buy (ONe); partner: a business whose participants sell (ReBase).
    type             text NOT NULL CHECK (type IN ('company', 'partner')),
    -- pooled: members earn into and spend from the pool; personal: each keeps their own points.
    -- Fixed when the organisation is created: points never move between the two.
    points           text NOT NULL CHECK (points IN ('pooled', 'personal')),
    -- Whether a join waits for an administrator (approve or reject).
    moderated        boolean NOT NULL,
    pool_customer_id bigint UNIQUE REFERENCES customers (id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (programme_id, code),
    CHECK ((points = 'pooled') = (pool_customer_id IS NOT NULL))
);

-- Memberships: pending until approved or rejected (at once approved where not moderated).
CREATE TABLE organisation_members (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    customer_id     bigint NOT NULL REFERENCES customers (id),
    -- owner and buyer may spend a pool's points; a viewer earns into it and sees it.
    role            text NOT NULL CHECK (role IN ('owner', 'buyer', 'viewer')),
    status          text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_at    timestamptz NOT NULL,
    decided_at      timestamptz,
    reason          text CHECK (length(reason) <= 500),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
-- A customer belongs to (or asks to join) one organisation at a time: their points have one home.
CREATE UNIQUE INDEX organisation_members_one_per_customer ON organisation_members (customer_id)
    WHERE status IN ('pending', 'approved');
CREATE INDEX organisation_members_organisation ON organisation_members (organisation_id, status);

-- Everything that happened to a membership, in order.
CREATE TABLE organisation_member_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES organisation_members (id),
    kind       text NOT NULL CHECK (kind IN ('requested', 'approved', 'rejected')),
    role       text NOT NULL,
    reason     text CHECK (length(reason) <= 500),
    source     text NOT NULL,
    request_id text,
    at         timestamptz NOT NULL
);
CREATE INDEX organisation_member_events_member ON organisation_member_events (member_id, id);
CREATE TRIGGER organisation_member_events_append_only BEFORE UPDATE OR DELETE ON organisation_member_events
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON organisation_member_events FROM puntos_app;

ALTER TABLE organisations OWNER TO puntos_owner;
ALTER TABLE organisation_members OWNER TO puntos_owner;
ALTER TABLE organisation_member_events OWNER TO puntos_owner;
