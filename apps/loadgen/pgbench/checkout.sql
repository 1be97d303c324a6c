-- The physical limit of order creation (ISSUE 6): the same database work as POST /orders/
-- written as plain SQL for pgbench: lock the user row, insert the order and its 3 lines,
-- reserve a coupon, insert the timeout job, commit. 8 statements after BEGIN.
-- Run: pgbench -n -f checkout.sql -D first=<first bench user id> -D last=<last> -c 32 -j 2 -T 10 <db>
\set uid random(:first, :last)
BEGIN;
SELECT credit FROM users WHERE id = :uid FOR UPDATE;
INSERT INTO orders (user_id, order_number, order_status, pay_type, total_price, real_price, credit, expires_at)
    VALUES (:uid, 'pgb' || nextval('order_number_seq'), 0, 0, 1195.00, 1165.00, 0, now() + interval '15 minutes');
INSERT INTO order_details (order_id, course_id, name, price, real_price) VALUES (currval('orders_id_seq'), 1, 'c1', 398.00, 398.00);
INSERT INTO order_details (order_id, course_id, name, price, real_price) VALUES (currval('orders_id_seq'), 2, 'c2', 498.00, 498.00);
INSERT INTO order_details (order_id, course_id, name, price, real_price, coupon_discount) VALUES (currval('orders_id_seq'), 7, 'c7', 299.00, 299.00, 30.00);
UPDATE coupon_logs SET order_id = currval('orders_id_seq')
    WHERE id = (SELECT id FROM coupon_logs WHERE user_id = :uid AND order_id IS NULL AND use_status = 0 LIMIT 1);
INSERT INTO jobs (kind, payload, run_at, max_attempts, order_id)
    VALUES ('order_timeout', '{}', now() + interval '15 minutes', 20, currval('orders_id_seq'));
COMMIT;
