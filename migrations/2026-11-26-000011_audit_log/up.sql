-- The operators' audit trail: who changed what, when, and the row before and after. Written in
-- the same transaction as the change it records.
CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    actor_id     BIGINT       NOT NULL REFERENCES users (id),
    action       VARCHAR(64)  NOT NULL,
    entity       VARCHAR(32)  NOT NULL,
    entity_id    BIGINT       NOT NULL,
    before       JSONB,
    after        JSONB,
    created_time TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id DESC);
CREATE INDEX audit_log_time_idx ON audit_log (created_time);
