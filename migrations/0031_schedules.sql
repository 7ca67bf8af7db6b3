-- The local runtime's schedules (`puntos up`): one row per Schedule rule of deploy.yaml. A tick fires
-- only if it is newer than the last one fired and no run of the rule holds the lease (running_until),
-- so a rule never runs twice at once, even with several puntos processes on one database.
CREATE TABLE puntos_schedule_runs (
    rule text PRIMARY KEY,
    last_tick timestamptz NOT NULL,
    running_until timestamptz,
    last_started_at timestamptz,
    last_finished_at timestamptz,
    last_outcome text,
    fired bigint NOT NULL DEFAULT 0
);
