-- The floor of order creation: only the writes every order needs, as luffy sends them (one
-- data-modifying statement: the order, its 3 lines as one multi-row insert, the coupon
-- reservation and the timeout job), between BEGIN and COMMIT. No reads: no course prices, no
-- owned or pending check, no idempotency lookup, no user lock. What an order costs the database
-- and its client can go no lower than this; `just bench` reports it beside the checkout script.
-- Run: PGSSLMODE=disable pgbench -n -M prepared -f order_writes.sql -D first=<id> -D last=<id> -c 16 -j 2 -T 10 <db>
\set uid random(:first, :last)
BEGIN;
WITH grant_row AS (
    SELECT id FROM coupon_logs WHERE user_id = :uid AND order_id IS NULL AND use_status = 0 LIMIT 1
), new_order AS (
    INSERT INTO orders (id, user_id, order_number, order_status, pay_type, total_price, real_price,
        credit, expires_at, idempotency_key, request_hash, coupon_log_id)
    VALUES (nextval('orders_id_seq'), :uid, 'pgw' || nextval('order_number_seq'), 0, 0, 1195.00,
        1165.00, 0, now() + interval '15 minutes', 'pgw' || currval('orders_id_seq'), 'fingerprint',
        (SELECT id FROM grant_row))
    RETURNING id
), lines AS (
    INSERT INTO order_details (order_id, course_id, name, price, real_price, discount_name, coupon_discount)
    SELECT (SELECT id FROM new_order), * FROM unnest('{1,2,7}'::bigint[], '{c1,c2,c7}'::text[],
        '{398.00,498.00,299.00}'::numeric[], '{398.00,498.00,299.00}'::numeric[],
        '{"","",""}'::text[], '{0,0,30.00}'::numeric[])
), reserved AS (
    UPDATE coupon_logs SET order_id = (SELECT id FROM new_order) WHERE id = (SELECT id FROM grant_row)
), timeout_job AS (
    INSERT INTO jobs (kind, payload, run_at, max_attempts, order_id)
    SELECT 'order_timeout', '{}', now() + interval '15 minutes', 20, (SELECT id FROM new_order)
)
SELECT 1;
COMMIT;
