-- Payments (SPEC 2.7): one row per money movement we were told about, unique per trade_no, with
-- the verified payload. Late payments (order already cancelled or timed out) are recorded as
-- refund_pending and refunded by the scheduler.
CREATE TABLE payments (
    id                BIGSERIAL PRIMARY KEY,
    order_id          BIGINT         NOT NULL REFERENCES orders (id),
    channel           VARCHAR(16)    NOT NULL CHECK (channel IN ('alipay', 'balance')),
    trade_no          VARCHAR(64)    NOT NULL UNIQUE,
    amount            NUMERIC(12, 2) NOT NULL CHECK (amount >= 0),
    status            VARCHAR(16)    NOT NULL CHECK (status IN ('paid', 'refund_pending', 'refunded')),
    payload           TEXT           NOT NULL DEFAULT '',
    refund_request_no VARCHAR(64),
    created_time      TIMESTAMPTZ    NOT NULL DEFAULT now(),
    updated_time      TIMESTAMPTZ    NOT NULL DEFAULT now()
);
CREATE INDEX payments_order_idx ON payments (order_id);
CREATE INDEX payments_refund_pending_idx ON payments (id) WHERE status = 'refund_pending';
