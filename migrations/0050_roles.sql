-- Least privilege: an owner role that owns the schema, and the application role that the functions
-- and `puntos up` connect as, which may read and write what they need and nothing more.
--
--   puntos_owner  NOLOGIN. Owns every table, sequence and function of the schema (moved to it here).
--                 Whoever runs the migrations (PUNTOS_ADMIN_URL: the postgres superuser here, the RDS
--                 master user on AWS) is made a member, so later migrations can alter its tables.
--   puntos_app    LOGIN, no superuser, no CREATEROLE/CREATEDB/REPLICATION/BYPASSRLS, owns nothing.
--                 SELECT, INSERT, UPDATE, DELETE on the working tables; only SELECT and INSERT on the
--                 append-only ones (ledger_entries, lot_draws, card_events, agreements,
--                 delivery_attempts); only SELECT on schema_migrations; TRUNCATE on nothing. Not being
--                 a superuser, it cannot SET session_replication_role (which would skip the
--                 append-only triggers) nor drop or disable a trigger (it owns no table).
--
-- Roles belong to the cluster, the grants to this database: a second database migrated on the same
-- server reuses the roles. Give puntos_app a password (ALTER ROLE puntos_app PASSWORD '...') where
-- the server does not trust local connections. Tables that later migrations add (0040-0049 from
-- other branches, 0051+) are covered by ALTER DEFAULT PRIVILEGES, for the role that runs the
-- migrations and for puntos_owner; a later append-only table revokes UPDATE, DELETE itself.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'puntos_owner') THEN
        BEGIN
            CREATE ROLE puntos_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it at the same moment
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'puntos_app') THEN
        BEGIN
            CREATE ROLE puntos_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

-- The migrations' runner may act as the owner (needed to alter its tables in later migrations).
GRANT puntos_owner TO CURRENT_USER;

-- Move the schema's objects to the owner. Identifiers come from the catalog and are quoted with %I.
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.relname AS name, c.relkind AS kind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s public.%I OWNER TO puntos_owner',
                       CASE item.kind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                       item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS signature
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO puntos_owner', item.signature);
    END LOOP;
END
$$;

REVOKE ALL ON SCHEMA public FROM puntos_app;
GRANT USAGE ON SCHEMA public TO puntos_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO puntos_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO puntos_app;
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM puntos_app;

-- Append-only: written once, never changed or removed (the triggers refuse it too).
REVOKE UPDATE, DELETE ON ledger_entries, lot_draws, card_events, agreements, delivery_attempts FROM puntos_app;
-- `puntos up` reads which migrations are applied; only the migrations' runner records them.
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM puntos_app;

-- Tables and sequences that later migrations create, whether run as the owner or as the runner.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO puntos_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO puntos_app;
ALTER DEFAULT PRIVILEGES FOR ROLE puntos_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO puntos_app;
ALTER DEFAULT PRIVILEGES FOR ROLE puntos_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO puntos_app;

-- The session settings the functions expect, also when a pooler in transaction mode drops the
-- startup options (PUNTOS_DB_POOLER=transaction sets them per transaction as well).
ALTER ROLE puntos_app SET TimeZone = 'UTC';
ALTER ROLE puntos_app SET DateStyle = 'ISO';
