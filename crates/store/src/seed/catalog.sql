-- Demo catalog (SPEC 5). Fixed ids make re-running a no-op; the promotion window is moved
-- forward on every run so the demo always has a running promotion.
INSERT INTO course_directions (id, name) VALUES
    (1, '前端开发'),
    (2, '后端开发')
ON CONFLICT (id) DO NOTHING;

INSERT INTO course_categories (id, name, direction_id) VALUES
    (1, 'Vue & Typescript', 1),
    (2, 'Python基础', 2),
    (3, 'Python进阶', 2),
    (4, '算法', 2)
ON CONFLICT (id) DO NOTHING;

INSERT INTO courses (id, name, course_cover, course_type, price, credit, direction_id, category_id) VALUES
    (1, 'Typescript入门到实战', '/uploads/course/cover/typescript.png', 0, 398.00, 100, 1, 1),
    (2, 'Typescript进阶与工程化', '/uploads/course/cover/typescript-pro.png', 0, 498.00, 200, 1, 1),
    (3, 'Vue3全家桶实战', '/uploads/course/cover/vue3.png', 0, 699.00, 0, 1, 1),
    (4, 'Python开发21天入门', '/uploads/course/cover/python-21.png', 1, 99.00, 0, 2, 2),
    (5, 'Python Web全栈开发', '/uploads/course/cover/python-web.png', 2, 1299.00, 300, 2, 3),
    (6, 'Python爬虫实战', '/uploads/course/cover/python-spider.png', 0, 399.00, 50, 2, 3),
    (7, '数据结构与算法', '/uploads/course/cover/algorithm.png', 0, 299.00, 100, 2, 4),
    (8, 'LeetCode算法精讲', '/uploads/course/cover/leetcode.png', 1, 199.00, 50, 2, 4)
ON CONFLICT (id) DO NOTHING;

INSERT INTO discount_types (id, name, remark) VALUES
    (1, '限时免费', ''),
    (2, '限时折扣', ''),
    (3, '限时减免', '')
ON CONFLICT (id) DO NOTHING;

INSERT INTO discounts (id, discount_type_id, condition, sale) VALUES
    (1, 2, 0, '*0.8'),
    (2, 3, 300, '-100')
ON CONFLICT (id) DO NOTHING;

INSERT INTO activities (id, name, start_time, end_time) VALUES
    (1, '双十二限时优惠', now() - interval '1 day', now() + interval '30 days')
ON CONFLICT (id) DO UPDATE SET start_time = LEAST(activities.start_time, EXCLUDED.start_time),
                               end_time = GREATEST(activities.end_time, EXCLUDED.end_time);

INSERT INTO course_activity_prices (id, activity_id, course_id, discount_id) VALUES
    (1, 1, 3, 1),
    (2, 1, 6, 2)
ON CONFLICT (id) DO NOTHING;

SELECT setval(pg_get_serial_sequence('course_directions', 'id'), (SELECT max(id) FROM course_directions));
SELECT setval(pg_get_serial_sequence('course_categories', 'id'), (SELECT max(id) FROM course_categories));
SELECT setval(pg_get_serial_sequence('courses', 'id'), (SELECT max(id) FROM courses));
SELECT setval(pg_get_serial_sequence('discount_types', 'id'), (SELECT max(id) FROM discount_types));
SELECT setval(pg_get_serial_sequence('discounts', 'id'), (SELECT max(id) FROM discounts));
SELECT setval(pg_get_serial_sequence('activities', 'id'), (SELECT max(id) FROM activities));
SELECT setval(pg_get_serial_sequence('course_activity_prices', 'id'), (SELECT max(id) FROM course_activity_prices));
