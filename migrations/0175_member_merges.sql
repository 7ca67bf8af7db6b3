-- Customers merged (`member-data` kind `merge`): two records of one person (a printed card at the till,
-- a web account) become one. The ledger stays append-only: the points move with `merged_out` entries on
-- the absorbed account and `merged_in` entries on the survivor, one pair per lot with points left (its
-- expiry and pending or active state said in the entry's rule) and one per open hold. The lots, holds,
-- invoices, coupons and cards (working rows, not history) change owner, so every later operation that
-- names one of them (a return of the absorbed's invoice, a cancelled order's points going back into
-- their lots, a hold committed or released, the expiry sweep) lands on the survivor.

-- The new entry kinds and card event kinds are added to whatever the constraints allow by now (another
-- migration may have widened them too): the allowed values are read from the constraint and written back
-- with ours, never spelled again here.
CREATE FUNCTION puntos_allow_kinds(tab regclass, constraint_name text, added text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    kinds text[];
BEGIN
    SELECT array_agg(DISTINCT k ORDER BY k) INTO kinds FROM (
        SELECT (regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g'))[1] AS k
        FROM pg_constraint c WHERE c.conrelid = tab AND c.conname = constraint_name
        UNION SELECT unnest(added)) t;
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tab, constraint_name);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (kind = ANY (%L::text[]))', tab, constraint_name, kinds);
END
$$;

SELECT puntos_allow_kinds('ledger_entries', 'ledger_entries_kind_check', ARRAY['merged_out', 'merged_in']);
-- A card moved by a merge: `moved` (it now belongs to the survivor, status unchanged) and, for the
-- absorbed's active card when the survivor has one, `merged` (replaced by the survivor's card: presented
-- at a till it acts on the survivor's current card, `puntos_account_card`).
SELECT puntos_allow_kinds('card_events', 'card_events_kind_check', ARRAY['moved', 'merged']);
DROP FUNCTION puntos_allow_kinds(regclass, text, text[]);

-- One row per absorbed customer, append-only: into whom, the cards moved, and the merge's answer
-- (returned again on a repeat).
CREATE TABLE member_merges (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id text NOT NULL REFERENCES programmes (id),
    absorbed_id  bigint NOT NULL UNIQUE REFERENCES customers (id),
    survivor_id  bigint NOT NULL REFERENCES customers (id),
    cards        text[] NOT NULL,
    summary      jsonb NOT NULL,
    reason       text CHECK (length(reason) <= 500),
    source       text NOT NULL,
    request_id   text,
    at           timestamptz NOT NULL DEFAULT now(),
    CHECK (absorbed_id <> survivor_id)
);
CREATE INDEX member_merges_survivor ON member_merges (survivor_id);
CREATE INDEX member_merges_cards ON member_merges USING gin (cards);
CREATE TRIGGER member_merges_append_only BEFORE UPDATE OR DELETE ON member_merges
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();

-- The customer a customer now is: itself, or the survivor it was merged into (through every later merge).
CREATE FUNCTION puntos_survivor(customer bigint) RETURNS bigint LANGUAGE sql STABLE STRICT AS $$
    WITH RECURSIVE chain (id, depth) AS (
        SELECT customer, 0
        UNION ALL
        SELECT m.survivor_id, c.depth + 1 FROM chain c JOIN member_merges m ON m.absorbed_id = c.id WHERE c.depth < 64)
    SELECT id FROM chain ORDER BY depth DESC LIMIT 1
$$;

-- The customer and every customer merged into it, directly or through another merge: whose entries
-- its statement shows.
CREATE FUNCTION puntos_merged_customers(customer bigint) RETURNS bigint[] LANGUAGE sql STABLE STRICT AS $$
    WITH RECURSIVE tree (id, depth) AS (
        SELECT customer, 0
        UNION ALL
        SELECT m.absorbed_id, t.depth + 1 FROM tree t JOIN member_merges m ON m.survivor_id = t.id WHERE t.depth < 64)
    SELECT array_agg(id ORDER BY id) FROM tree
$$;

-- The card an account reference acts on (AccountStore, PuntosCore): a card named, unless a merge
-- replaced it by the survivor's card (its last `merged` or `replaced` event is `merged`), then the
-- current card of the customer it belongs to now; an external id: the current card of its customer,
-- or of the survivor that customer was merged into.
CREATE FUNCTION puntos_account_card(programme text, card text, external text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN card IS NOT NULL THEN
        coalesce((SELECT puntos_current_card(c.customer_id) FROM cards c
                  WHERE c.number = card AND c.status = 'replaced'
                    AND (SELECT e.kind FROM card_events e
                         WHERE e.card_number = c.number AND e.kind IN ('merged', 'replaced')
                         ORDER BY e.id DESC LIMIT 1) = 'merged'), card)
    ELSE (SELECT puntos_current_card(puntos_survivor(x.id)) FROM customers x
          WHERE x.programme_id = programme AND x.external_id = external) END
$$;

ALTER TABLE member_merges OWNER TO puntos_owner;
ALTER FUNCTION puntos_survivor(bigint) OWNER TO puntos_owner;
ALTER FUNCTION puntos_merged_customers(bigint) OWNER TO puntos_owner;
ALTER FUNCTION puntos_account_card(text, text, text) OWNER TO puntos_owner;
REVOKE UPDATE, DELETE, TRUNCATE ON member_merges FROM puntos_app;
GRANT SELECT, INSERT ON member_merges TO puntos_app;
