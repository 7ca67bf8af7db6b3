-- After a merge nothing more is written on the absorbed account. A checkout or invoice that found the
-- absorbed customer's card before the merge committed, and waited for its account's lock, would
-- otherwise credit or spend there: its entry is refused with serialization_failure (40001), so its
-- transaction runs again (PuntosPostgres retries it) and then finds the survivor. Only the merge's own
-- `merged_out` entries, written before its log row, reach an absorbed account.
CREATE FUNCTION puntos_refuse_entry_for_merged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind <> 'merged_out' AND EXISTS (SELECT 1 FROM member_merges WHERE absorbed_id = NEW.customer_id) THEN
        RAISE EXCEPTION 'customer % was merged into another customer: run the transaction again', NEW.customer_id
            USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER ledger_entries_not_for_merged BEFORE INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_entry_for_merged();
ALTER FUNCTION puntos_refuse_entry_for_merged() OWNER TO puntos_owner;
