-- Foundation (SPEC 4): users, catalog, promotions, ownership and the points ledger.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      VARCHAR(150) NOT NULL UNIQUE,
    mobile        VARCHAR(15)  NOT NULL UNIQUE,
    password_hash TEXT         NOT NULL,
    money         NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (money >= 0),
    credit        INTEGER      NOT NULL DEFAULT 0 CHECK (credit >= 0),
    is_staff      BOOLEAN      NOT NULL DEFAULT FALSE,
    is_active     BOOLEAN      NOT NULL DEFAULT TRUE,
    created_time  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_time  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE course_directions (
    id   BIGSERIAL PRIMARY KEY,
    name VARCHAR(100) NOT NULL UNIQUE
);

CREATE TABLE course_categories (
    id           BIGSERIAL PRIMARY KEY,
    name         VARCHAR(100) NOT NULL UNIQUE,
    direction_id BIGINT NOT NULL REFERENCES course_directions (id)
);
CREATE INDEX course_categories_direction_idx ON course_categories (direction_id);

CREATE TABLE courses (
    id           BIGSERIAL PRIMARY KEY,
    name         VARCHAR(255)   NOT NULL,
    course_cover VARCHAR(255)   NOT NULL DEFAULT '',
    course_type  SMALLINT       NOT NULL DEFAULT 0 CHECK (course_type BETWEEN 0 AND 2),
    price        NUMERIC(10, 2) NOT NULL CHECK (price >= 0),
    credit       INTEGER        NOT NULL DEFAULT 0 CHECK (credit >= 0),
    direction_id BIGINT         NOT NULL REFERENCES course_directions (id),
    category_id  BIGINT         NOT NULL REFERENCES course_categories (id),
    is_show      BOOLEAN        NOT NULL DEFAULT TRUE,
    is_deleted   BOOLEAN        NOT NULL DEFAULT FALSE,
    created_time TIMESTAMPTZ    NOT NULL DEFAULT now(),
    updated_time TIMESTAMPTZ    NOT NULL DEFAULT now()
);
CREATE INDEX courses_listed_idx ON courses (id) WHERE is_show AND NOT is_deleted;
CREATE INDEX courses_direction_idx ON courses (direction_id);
CREATE INDEX courses_category_idx ON courses (category_id);

-- Promotions ("course discount", SPEC 2.1).
CREATE TABLE discount_types (
    id     BIGSERIAL PRIMARY KEY,
    name   VARCHAR(50)  NOT NULL DEFAULT '',
    remark VARCHAR(250) NOT NULL DEFAULT ''
);

CREATE TABLE discounts (
    id               BIGSERIAL PRIMARY KEY,
    discount_type_id BIGINT      NOT NULL REFERENCES discount_types (id),
    condition        INTEGER     NOT NULL DEFAULT 0 CHECK (condition >= 0),
    -- "0", "*0.xx" or "-N"; the domain validates before saving, this is the last line.
    sale             VARCHAR(20) NOT NULL CHECK (sale ~ '^(0|\*0?\.[0-9]{1,4}|-[0-9]+(\.[0-9]{1,2})?)$')
);

CREATE TABLE activities (
    id         BIGSERIAL PRIMARY KEY,
    name       VARCHAR(150) NOT NULL,
    start_time TIMESTAMPTZ  NOT NULL,
    end_time   TIMESTAMPTZ  NOT NULL,
    CHECK (end_time > start_time)
);

CREATE TABLE course_activity_prices (
    id          BIGSERIAL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities (id),
    course_id   BIGINT NOT NULL REFERENCES courses (id),
    discount_id BIGINT NOT NULL REFERENCES discounts (id)
);
CREATE INDEX course_activity_prices_course_idx ON course_activity_prices (course_id, id DESC);

CREATE TABLE user_courses (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id),
    course_id    BIGINT      NOT NULL REFERENCES courses (id),
    created_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, course_id)
);

-- Points ledger (SPEC 2.5): credit == sum(number) per user, always.
CREATE TABLE credit_ledger (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT       NOT NULL REFERENCES users (id),
    operation    SMALLINT     NOT NULL CHECK (operation BETWEEN 0 AND 3),
    number       INTEGER      NOT NULL CHECK (number <> 0),
    order_id     BIGINT,
    remark       VARCHAR(255) NOT NULL DEFAULT '',
    created_time TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_user_idx ON credit_ledger (user_id, id DESC);
