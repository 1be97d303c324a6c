-- The tutorial's five coupons, windows moved to now .. now + 90 days, each granted
-- once to the demo user `luffy`. Fixed ids and NOT EXISTS keep re-runs a no-op (apart from
-- keeping the windows open).
INSERT INTO coupons (id, name, discount, coupon_type, total, has_total, start_time, end_time, get_type, condition, per_limit, sale) VALUES
    (1, '30元通用优惠券',       1, 0, 10000, 10000, now(), now() + interval '90 days', 0, 100, 1, '-30'),
    (2, '前端学习通用优惠券',   1, 1,   100,   100, now(), now() + interval '90 days', 0,   0, 1, '-50'),
    (3, 'Typescript课程专用券', 2, 3,  1000,  1000, now(), now() + interval '90 days', 0,   0, 1, '*0.88'),
    (4, 'python七夕专用券',     1, 2,   200,   200, now(), now() + interval '90 days', 1,   0, 1, '-99'),
    (5, '算法学习优惠券',       2, 2,  1000,  1000, now(), now() + interval '90 days', 0, 200, 1, '*0.85')
ON CONFLICT (id) DO UPDATE SET start_time = LEAST(coupons.start_time, EXCLUDED.start_time),
                               end_time = GREATEST(coupons.end_time, EXCLUDED.end_time);

INSERT INTO coupon_directions (coupon_id, direction_id) VALUES (2, 1) ON CONFLICT DO NOTHING;
INSERT INTO coupon_courses (coupon_id, course_id) VALUES (3, 1), (3, 2) ON CONFLICT DO NOTHING;
INSERT INTO coupon_categories (coupon_id, category_id) VALUES (4, 2), (4, 3), (5, 4) ON CONFLICT DO NOTHING;

WITH granted AS (
    INSERT INTO coupon_logs (user_id, coupon_id, name)
    SELECT u.id, c.id, c.name
    FROM users u CROSS JOIN coupons c
    WHERE u.username = 'luffy' AND c.id BETWEEN 1 AND 5
      AND NOT EXISTS (SELECT 1 FROM coupon_logs l WHERE l.user_id = u.id AND l.coupon_id = c.id)
    RETURNING coupon_id
)
UPDATE coupons SET has_total = has_total - 1 WHERE id IN (SELECT coupon_id FROM granted);

SELECT setval(pg_get_serial_sequence('coupons', 'id'), (SELECT max(id) FROM coupons));
