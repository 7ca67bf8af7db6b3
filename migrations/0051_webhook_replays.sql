-- The replay table of signed webhook requests, for the AWS webhook-authorizer: the same table as
-- branch door's 0040_webhook_replays.sql (PuntosWebhooks.ReplayStore), created here only where 0040
-- has not, so the authorizer and `puntos up` share it. A row is (caller, MAC) of an accepted request.
CREATE TABLE IF NOT EXISTS webhook_replays (
    caller text NOT NULL,
    mac bytea NOT NULL CHECK (octet_length(mac) = 32),
    signed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (caller, mac)
);
CREATE INDEX IF NOT EXISTS webhook_replays_expires_at ON webhook_replays (expires_at);
