-- After-sale refunds (issue 12): two new order statuses after 1 已支付, 4 部分退款 and 5 已退款,
-- both of which keep the payment time; refunds with their lines.
ALTER TABLE orders DROP CONSTRAINT orders_order_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_order_status_check CHECK (order_status BETWEEN 0 AND 5);
ALTER TABLE orders DROP CONSTRAINT orders_check1;
ALTER TABLE orders ADD CONSTRAINT orders_paid_time_check
    CHECK ((order_status IN (1, 4, 5)) = (pay_time IS NOT NULL));

-- One refund: requested -> approved -> refunding -> refunded, or rejected, cancelled, failed.
-- out_request_no is the gateway's idempotency key: retries reuse it, so money moves once.
CREATE TABLE refunds (
    id             BIGSERIAL PRIMARY KEY,
    order_id       BIGINT         NOT NULL REFERENCES orders (id),
    user_id        BIGINT         NOT NULL REFERENCES users (id),
    status         VARCHAR(16)    NOT NULL CHECK (status IN
        ('requested', 'approved', 'refunding', 'refunded', 'rejected', 'cancelled', 'failed')),
    channel        VARCHAR(16)    NOT NULL CHECK (channel IN ('alipay', 'balance')),
    amount         NUMERIC(12, 2) NOT NULL CHECK (amount >= 0),
    points         INTEGER        NOT NULL DEFAULT 0 CHECK (points >= 0),
    out_request_no VARCHAR(64)    NOT NULL UNIQUE,
    reason         VARCHAR(255)   NOT NULL DEFAULT '',
    review_note    VARCHAR(255)   NOT NULL DEFAULT '',
    by_operator    BOOLEAN        NOT NULL DEFAULT false,
    last_error     TEXT,
    created_time   TIMESTAMPTZ    NOT NULL DEFAULT now(),
    updated_time   TIMESTAMPTZ    NOT NULL DEFAULT now()
);
CREATE INDEX refunds_order_idx ON refunds (order_id);
CREATE INDEX refunds_status_idx ON refunds (status, id DESC);

-- The order lines a refund gives back. A line belongs to at most one refund that still holds
-- it (requested, approved, refunding, refunded or failed): a second request for it fails here
-- even when two requests race.
CREATE TABLE refund_lines (
    id              BIGSERIAL PRIMARY KEY,
    refund_id       BIGINT         NOT NULL REFERENCES refunds (id),
    order_detail_id BIGINT         NOT NULL REFERENCES order_details (id),
    course_id       BIGINT         NOT NULL REFERENCES courses (id),
    amount          NUMERIC(12, 2) NOT NULL CHECK (amount >= 0),
    points          INTEGER        NOT NULL DEFAULT 0 CHECK (points >= 0),
    holds           BOOLEAN        NOT NULL DEFAULT true
);
CREATE INDEX refund_lines_refund_idx ON refund_lines (refund_id);
CREATE UNIQUE INDEX refund_lines_one_holder_idx ON refund_lines (order_detail_id) WHERE holds;
