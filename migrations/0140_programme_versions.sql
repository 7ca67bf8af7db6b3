-- Programmes as data: a programme's locale and time zone, and every version of its settings kept.
--
-- `programmes` holds the version now in force (every module reads it); `programme_versions` holds
-- each version that was ever in force, from when, and is never changed. A change (`configure` kind
-- `programme` or `settings`) writes the row and records the new version in the same transaction;
-- a change that changes nothing records nothing. Entries record the rules they were written under.

ALTER TABLE programmes
    -- The language of the programme's messages when the customer has none (a language tag).
    ADD COLUMN locale    text NOT NULL DEFAULT 'en' CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
    -- An IANA time-zone name (checked against pg_timezone_names by `configure`): the programme's
    -- business days are counted in it (points count from the day the agreement was accepted).
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC' CHECK (time_zone ~ '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$');

CREATE TABLE programme_versions (
    programme_id   text NOT NULL REFERENCES programmes (id),
    version        integer NOT NULL CHECK (version >= 1),
    -- In force from this time until the next version's.
    effective_from timestamptz NOT NULL DEFAULT now(),
    -- Every column of `programmes` but id and created_at, as they were.
    settings       jsonb NOT NULL,
    PRIMARY KEY (programme_id, version)
);
CREATE TRIGGER programme_versions_append_only BEFORE UPDATE OR DELETE ON programme_versions
    FOR EACH ROW EXECUTE FUNCTION puntos_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON programme_versions FROM puntos_app;

-- Records the programme's settings as a new version when they differ from the latest one; answers
-- the version in force after it (the one rule for "a change is a version", Swift and trigger alike).
CREATE FUNCTION puntos_record_programme_version(programme text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    now_settings jsonb;
    latest record;
BEGIN
    SELECT to_jsonb(p) - 'id' - 'created_at' INTO now_settings FROM programmes p WHERE p.id = programme;
    IF now_settings IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT v.version, v.settings INTO latest FROM programme_versions v
    WHERE v.programme_id = programme ORDER BY v.version DESC LIMIT 1;
    IF latest.settings IS NOT DISTINCT FROM now_settings THEN
        RETURN latest.version;
    END IF;
    INSERT INTO programme_versions (programme_id, version, settings)
    VALUES (programme, coalesce(latest.version, 0) + 1, now_settings);
    RETURN coalesce(latest.version, 0) + 1;
END
$$;

-- Whatever writes `programmes` (a migration, an operator's SQL), its final state is a version when
-- the transaction commits; `configure` has recorded it already, so this finds nothing new.
CREATE FUNCTION puntos_programme_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM puntos_record_programme_version(NEW.id);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER programmes_versioned AFTER INSERT OR UPDATE ON programmes
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION puntos_programme_changed();

-- The programme as it was at `at`: its row with the settings of the version then in force (columns
-- added after that version keep their value now). NULL before the programme's first version.
CREATE FUNCTION puntos_programme_at(programme text, at timestamptz) RETURNS programmes LANGUAGE sql STABLE AS $$
    SELECT jsonb_populate_record(p, v.settings)
    FROM programmes p
    JOIN LATERAL (SELECT settings FROM programme_versions
                  WHERE programme_id = p.id AND effective_from <= at
                  ORDER BY version DESC LIMIT 1) v ON true
    WHERE p.id = programme
$$;

-- The programmes there are: their settings now are their first version.
INSERT INTO programme_versions (programme_id, version, effective_from, settings)
SELECT p.id, 1, p.created_at, to_jsonb(p) - 'id' - 'created_at' FROM programmes p;

ALTER TABLE programme_versions OWNER TO puntos_owner;
ALTER FUNCTION puntos_record_programme_version(text) OWNER TO puntos_owner;
ALTER FUNCTION puntos_programme_changed() OWNER TO puntos_owner;
ALTER FUNCTION puntos_programme_at(text, timestamptz) OWNER TO puntos_owner;
