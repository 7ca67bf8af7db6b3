-- SimpleWine's segment rules: per customer segment, its own point value, minimum redemption,
-- maximum share of an order and the promotions it is offered, over the programme's settings.
-- Versioned like the programme: a change is a new row (the latest per segment is in force), never
-- an edit. A column left NULL is the programme's own setting.
CREATE TABLE segment_rules (
    programme_id    text NOT NULL REFERENCES programmes (id),
    segment         text NOT NULL CHECK (segment ~ '^[a-z0-9_-]{1,64}$'),
    version         integer NOT NULL CHECK (version >= 1),
    effective_from  timestamptz NOT NULL DEFAULT now(),
    point_value     numeric(12,6) CHECK (point_value > 0),
    min_redemption  bigint CHECK (min_redemption >= 0),
    max_order_share numeric(5,4) CHECK (max_order_share > 0 AND max_order_share <= 1),
    -- The codes of the promotions the segment is offered; NULL: every promotion.
    promotions      text[],
    source          text NOT NULL,
    request_id      text,
    PRIMARY KEY (programme_id, segment, version)
);
CREATE TRIGGER segment_rules_append_only BEFORE UPDATE OR DELETE ON segment_rules
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON segment_rules FROM puntos_app;
ALTER TABLE segment_rules OWNER TO puntos_owner;
