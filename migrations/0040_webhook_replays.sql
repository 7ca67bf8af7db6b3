-- Signed webhook requests already received (PuntosWebhooks.ReplayStore), shared by every `puntos up`
-- on this database and by the AWS webhook-authorizer: a request whose (caller, MAC) is here is a
-- replay. `INSERT ... ON CONFLICT DO NOTHING` decides; a sweep deletes rows past expires_at, which is
-- later than the end of the signature's timestamp window, so no accepted request can come back.
CREATE TABLE webhook_replays (
    caller text NOT NULL,
    mac bytea NOT NULL CHECK (octet_length(mac) = 32),
    signed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (caller, mac)
);

CREATE INDEX webhook_replays_expires_at ON webhook_replays (expires_at);
