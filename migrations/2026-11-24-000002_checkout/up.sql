-- Checkout (SPEC 2.4, 2.6): coupons with scopes, grants, orders and order lines.

CREATE TABLE coupons (
    id           BIGSERIAL PRIMARY KEY,
    name         VARCHAR(50) NOT NULL,
    discount     SMALLINT    NOT NULL CHECK (discount IN (1, 2)),
    coupon_type  SMALLINT    NOT NULL CHECK (coupon_type BETWEEN 0 AND 3),
    total        INTEGER     NOT NULL CHECK (total >= 0),
    has_total    INTEGER     NOT NULL CHECK (has_total >= 0 AND has_total <= total),
    start_time   TIMESTAMPTZ NOT NULL,
    end_time     TIMESTAMPTZ NOT NULL,
    get_type     SMALLINT    NOT NULL DEFAULT 0 CHECK (get_type IN (0, 1)),
    condition    INTEGER     NOT NULL DEFAULT 0 CHECK (condition >= 0),
    per_limit    INTEGER     NOT NULL DEFAULT 1 CHECK (per_limit >= 1),
    sale         VARCHAR(20) NOT NULL,
    created_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (end_time > start_time),
    -- reductions are "-N", percents "*0.xx"; the domain validates first, this is the last line.
    CHECK ((discount = 1 AND sale ~ '^-[0-9]+(\.[0-9]{1,2})?$') OR (discount = 2 AND sale ~ '^\*0?\.[0-9]{1,4}$'))
);

CREATE TABLE coupon_directions (
    id           BIGSERIAL PRIMARY KEY,
    coupon_id    BIGINT NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    direction_id BIGINT NOT NULL REFERENCES course_directions (id),
    UNIQUE (coupon_id, direction_id)
);

CREATE TABLE coupon_categories (
    id          BIGSERIAL PRIMARY KEY,
    coupon_id   BIGINT NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES course_categories (id),
    UNIQUE (coupon_id, category_id)
);

CREATE TABLE coupon_courses (
    id        BIGSERIAL PRIMARY KEY,
    coupon_id BIGINT NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    UNIQUE (coupon_id, course_id)
);

CREATE SEQUENCE order_number_seq;

CREATE TABLE orders (
    id              BIGSERIAL PRIMARY KEY,
    name            VARCHAR(255)   NOT NULL DEFAULT '购买课程',
    user_id         BIGINT         NOT NULL REFERENCES users (id),
    order_number    VARCHAR(64)    NOT NULL UNIQUE,
    order_status    SMALLINT       NOT NULL DEFAULT 0 CHECK (order_status BETWEEN 0 AND 3),
    pay_type        SMALLINT       NOT NULL CHECK (pay_type BETWEEN 0 AND 2),
    total_price     NUMERIC(12, 2) NOT NULL CHECK (total_price >= 0),
    real_price      NUMERIC(12, 2) NOT NULL CHECK (real_price >= 0 AND real_price <= total_price),
    credit          INTEGER        NOT NULL DEFAULT 0 CHECK (credit >= 0),
    order_desc      TEXT           NOT NULL DEFAULT '',
    pay_time        TIMESTAMPTZ,
    trade_no        VARCHAR(64),
    expires_at      TIMESTAMPTZ    NOT NULL,
    idempotency_key VARCHAR(255),
    request_hash    VARCHAR(255),
    created_time    TIMESTAMPTZ    NOT NULL DEFAULT now(),
    updated_time    TIMESTAMPTZ    NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key),
    CHECK ((order_status = 1) = (pay_time IS NOT NULL))
);
CREATE INDEX orders_user_status_idx ON orders (user_id, order_status, id DESC);
CREATE INDEX orders_user_idx ON orders (user_id, id DESC);
CREATE INDEX orders_unpaid_expiry_idx ON orders (expires_at) WHERE order_status = 0;

CREATE TABLE order_details (
    id              BIGSERIAL PRIMARY KEY,
    order_id        BIGINT         NOT NULL REFERENCES orders (id),
    course_id       BIGINT         NOT NULL REFERENCES courses (id),
    name            VARCHAR(255)   NOT NULL,
    price           NUMERIC(12, 2) NOT NULL CHECK (price >= 0),
    real_price      NUMERIC(12, 2) NOT NULL CHECK (real_price >= 0 AND real_price <= price),
    discount_name   VARCHAR(120)   NOT NULL DEFAULT '',
    coupon_discount NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (coupon_discount >= 0 AND coupon_discount <= real_price),
    UNIQUE (order_id, course_id)
);
CREATE INDEX order_details_course_idx ON order_details (course_id);

CREATE TABLE coupon_logs (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT       NOT NULL REFERENCES users (id),
    coupon_id    BIGINT       NOT NULL REFERENCES coupons (id),
    order_id     BIGINT       REFERENCES orders (id),
    name         VARCHAR(100) NOT NULL DEFAULT '',
    use_time     TIMESTAMPTZ,
    use_status   SMALLINT     NOT NULL DEFAULT 0 CHECK (use_status BETWEEN 0 AND 2),
    created_time TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CHECK ((use_status = 1) = (use_time IS NOT NULL))
);
CREATE INDEX coupon_logs_user_available_idx ON coupon_logs (user_id, id DESC) WHERE use_status = 0 AND order_id IS NULL;
CREATE INDEX coupon_logs_user_coupon_idx ON coupon_logs (user_id, coupon_id);
-- One coupon per order.
CREATE UNIQUE INDEX coupon_logs_order_idx ON coupon_logs (order_id) WHERE order_id IS NOT NULL;

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
CREATE INDEX credit_ledger_order_idx ON credit_ledger (order_id) WHERE order_id IS NOT NULL;
