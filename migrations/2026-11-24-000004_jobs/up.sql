-- Durable delayed jobs (SPEC 2.8).
CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         VARCHAR(64) NOT NULL,
    payload      TEXT        NOT NULL DEFAULT '{}',
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     INTEGER     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER     NOT NULL DEFAULT 10 CHECK (max_attempts >= 1),
    status       VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'dead')),
    locked_by    VARCHAR(128),
    locked_until TIMESTAMPTZ,
    last_error   TEXT,
    order_id     BIGINT REFERENCES orders (id),
    created_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'running') = (locked_until IS NOT NULL))
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_order_idx ON jobs (order_id, kind) WHERE status IN ('pending', 'running');
CREATE INDEX jobs_dead_idx ON jobs (id DESC) WHERE status = 'dead';
