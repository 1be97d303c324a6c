-- Daily reconciliation of each channel's bill against our books (one row per channel and
-- Beijing day, rerun in place), and the differences found, with what was done about them.
CREATE TABLE reconciliations (
    id               BIGSERIAL PRIMARY KEY,
    channel          VARCHAR(16) NOT NULL CHECK (channel IN ('alipay', 'wechat')),
    bill_date        DATE        NOT NULL,
    matched          INTEGER     NOT NULL CHECK (matched >= 0),
    bill_payments    INTEGER     NOT NULL CHECK (bill_payments >= 0),
    bill_payment_fen BIGINT      NOT NULL,
    bill_refunds     INTEGER     NOT NULL CHECK (bill_refunds >= 0),
    bill_refund_fen  BIGINT      NOT NULL,
    runs             INTEGER     NOT NULL DEFAULT 1 CHECK (runs >= 1),
    created_time     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_time     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (channel, bill_date)
);

CREATE TABLE reconciliation_items (
    id                BIGSERIAL PRIMARY KEY,
    reconciliation_id BIGINT      NOT NULL REFERENCES reconciliations (id) ON DELETE CASCADE,
    kind              VARCHAR(24) NOT NULL CHECK (kind IN ('amount_differs', 'long', 'short',
        'refund_unknown', 'refund_missing', 'refund_amount_differs', 'unconfirmed')),
    order_number      VARCHAR(64) NOT NULL,
    refund_no         VARCHAR(64),
    trade_no          VARCHAR(64) NOT NULL DEFAULT '',
    bill_fen          BIGINT,
    our_fen           BIGINT,
    occurred_at       TIMESTAMPTZ,
    resolution        TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX reconciliation_items_parent_idx ON reconciliation_items (reconciliation_id, id);

-- At most one pending daily reconciliation job per channel: every instance ensures it at
-- start, and each run schedules the next.
CREATE UNIQUE INDEX jobs_one_pending_reconcile_idx ON jobs ((payload::jsonb ->> 'channel'))
    WHERE kind = 'reconcile' AND status = 'pending';
