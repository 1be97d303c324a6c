-- The balance ledger (issue 11): users.money == sum(amount) per user, always, like points.
CREATE TABLE money_ledger (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT         NOT NULL REFERENCES users (id),
    operation    SMALLINT       NOT NULL CHECK (operation BETWEEN 0 AND 2),
    amount       NUMERIC(12, 2) NOT NULL CHECK (amount <> 0),
    order_id     BIGINT,
    remark       VARCHAR(255)   NOT NULL DEFAULT '',
    created_time TIMESTAMPTZ    NOT NULL DEFAULT now()
);
CREATE INDEX money_ledger_user_idx ON money_ledger (user_id, id DESC);

-- Balances that exist already get one opening row, so the invariant holds from the start.
INSERT INTO money_ledger (user_id, operation, amount, remark)
SELECT id, 0, money, '期初余额' FROM users WHERE money <> 0;
