-- The local runtime's queues (`puntos up`): one table for every SQS queue of deploy.yaml.
-- A message is ready when visible_at has passed; a claim (FOR UPDATE SKIP LOCKED) hides it for the
-- queue's visibility timeout and counts the receive; success deletes it; failure makes it visible
-- again after a backoff, or moves it to the dead letters after the queue's maxReceiveCount.
CREATE TABLE puntos_queue_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue text NOT NULL,
    message_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    body text NOT NULL,
    receive_count integer NOT NULL DEFAULT 0,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    visible_at timestamptz NOT NULL DEFAULT now(),
    -- Set while a consumer holds the message; a crashed puntos leaves it to expire.
    claimed_until timestamptz,
    first_received_at timestamptz,
    last_error text
);
CREATE INDEX puntos_queue_messages_ready ON puntos_queue_messages (queue, visible_at, id);

CREATE TABLE puntos_queue_dead_letters (
    id bigint PRIMARY KEY,
    queue text NOT NULL,
    message_id uuid NOT NULL UNIQUE,
    body text NOT NULL,
    receive_count integer NOT NULL,
    enqueued_at timestamptz NOT NULL,
    died_at timestamptz NOT NULL DEFAULT now(),
    last_error text
);
CREATE INDEX puntos_queue_dead_letters_queue ON puntos_queue_dead_letters (queue, died_at);
