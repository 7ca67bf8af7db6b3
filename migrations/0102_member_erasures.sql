-- A member's data erased (`member-data` kind `erase`): the log of erasures, and the one narrow way to
-- take an address out of the append-only delivery attempts.

-- The digest an erased identifier is remembered by, so a repeated erasure naming it is recognised
-- without keeping the identifier: hex SHA-256 of "programme:kind:value" (kind external_id, email or
-- phone; the value as stored, e-mail lower-cased, phone E.164).
CREATE FUNCTION puntos_identifier_digest(programme text, kind text, value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT encode(sha256(convert_to(programme || ':' || kind || ':' || value, 'UTF8')), 'hex')
$$;

-- One row per erased customer, append-only: when, why, by which request, and what was done.
CREATE TABLE member_erasures (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id       text NOT NULL REFERENCES programmes (id),
    customer_id        bigint NOT NULL UNIQUE REFERENCES customers (id),
    identifier_digests text[] NOT NULL,
    -- The erasure's answer (counts of what was blocked, removed, cancelled, scrubbed), returned again on a repeat.
    summary            jsonb NOT NULL,
    reason             text CHECK (length(reason) <= 500),
    source             text NOT NULL,
    request_id         text,
    at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_erasures_digests ON member_erasures USING gin (identifier_digests);
CREATE TRIGGER member_erasures_append_only BEFORE UPDATE OR DELETE ON member_erasures
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON member_erasures FROM puntos_app;

-- Delivery attempts stay append-only, with one exception: an erasure may replace the recipient and
-- drop the detail (an SMTP answer quoting the address), changing nothing else. Only the function
-- below does it: puntos_app has no UPDATE on the table, and the trigger allows the change only when
-- the function has set `puntos.erasing` for its own transaction.
CREATE FUNCTION puntos_refuse_change_but_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('puntos.erasing', true) = 'on'
       AND (NEW.id, NEW.notice_id, NEW.attempt, NEW.channel, NEW.message_id, NEW.outcome, NEW.response_code, NEW.at)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.notice_id, OLD.attempt, OLD.channel, OLD.message_id, OLD.outcome, OLD.response_code, OLD.at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
DROP TRIGGER delivery_attempts_append_only ON delivery_attempts;
CREATE TRIGGER delivery_attempts_append_only BEFORE UPDATE OR DELETE ON delivery_attempts
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change_but_erasure();

-- The attempts of a customer's notices: recipient 'c:<customer>', no detail where it quotes one of `erased`.
CREATE FUNCTION puntos_erase_delivery_attempts(customer bigint, erased text[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed integer;
BEGIN
    PERFORM set_config('puntos.erasing', 'on', true);
    UPDATE delivery_attempts d
    SET recipient_key = puntos_recipient_key(customer, NULL, NULL),
        detail = CASE WHEN EXISTS (SELECT 1 FROM unnest(erased) v WHERE strpos(lower(d.detail), lower(v)) > 0)
                      THEN NULL ELSE d.detail END
    FROM notices n
    WHERE n.id = d.notice_id AND n.customer_id = customer
      AND (d.recipient_key IS DISTINCT FROM puntos_recipient_key(customer, NULL, NULL)
           OR EXISTS (SELECT 1 FROM unnest(erased) v WHERE strpos(lower(d.detail), lower(v)) > 0));
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('puntos.erasing', 'off', true);
    RETURN changed;
END
$$;

ALTER FUNCTION puntos_identifier_digest(text, text, text) OWNER TO puntos_owner;
ALTER FUNCTION puntos_refuse_change_but_erasure() OWNER TO puntos_owner;
ALTER FUNCTION puntos_erase_delivery_attempts(bigint, text[]) OWNER TO puntos_owner;
ALTER TABLE member_erasures OWNER TO puntos_owner;
REVOKE ALL ON FUNCTION puntos_erase_delivery_attempts(bigint, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION puntos_erase_delivery_attempts(bigint, text[]) TO puntos_app;
