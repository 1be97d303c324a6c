-- The home page's navigation (header and footer) and banner carousel, kept by operators.
CREATE TABLE navs (
    id           BIGSERIAL PRIMARY KEY,
    name         VARCHAR(100) NOT NULL,
    link         VARCHAR(255) NOT NULL,
    is_http      BOOLEAN      NOT NULL DEFAULT false,
    position     SMALLINT     NOT NULL CHECK (position IN (0, 1)),
    orders       INTEGER      NOT NULL DEFAULT 0,
    is_show      BOOLEAN      NOT NULL DEFAULT true,
    created_time TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_time TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX navs_shown_idx ON navs (position, orders, id DESC) WHERE is_show;

CREATE TABLE banners (
    id           BIGSERIAL PRIMARY KEY,
    name         VARCHAR(100) NOT NULL,
    image        VARCHAR(255) NOT NULL,
    link         VARCHAR(255) NOT NULL,
    is_http      BOOLEAN      NOT NULL DEFAULT false,
    note         VARCHAR(150) NOT NULL DEFAULT '',
    orders       INTEGER      NOT NULL DEFAULT 0,
    is_show      BOOLEAN      NOT NULL DEFAULT true,
    created_time TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_time TIMESTAMPTZ  NOT NULL DEFAULT now()
);
