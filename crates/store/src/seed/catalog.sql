-- Demo catalog. Fixed ids make re-running a no-op; the promotion window is moved
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

-- Course pages: teachers, levels, students, descriptions, chapters and lessons.
INSERT INTO teachers (id, name, avatar, title, role, brief) VALUES
    (1, '路飞老师', '/uploads/teacher/avatar/1.png', '前端架构师', 0,
        '<p>十年前端开发经验，主导过多个大型 Vue 与 Typescript 项目。</p>'),
    (2, '索隆老师', '/uploads/teacher/avatar/2.png', 'Python高级工程师', 1,
        '<p>专注 Python Web 与数据采集，带过上千名学员入门到就业。</p>'),
    (3, '娜美老师', '/uploads/teacher/avatar/3.png', '算法工程师', 2,
        '<p>ACM 区域赛金牌，擅长把算法讲得简单易懂。</p>')
ON CONFLICT (id) DO NOTHING;

UPDATE courses c SET teacher_id = v.teacher_id, level = v.level, students = v.students,
                     lessons = v.lessons, description = v.description
FROM (VALUES
    (1, 1, 0, 1203, 12, '<p>从零开始学习 <strong>Typescript</strong>：类型系统、接口、泛型与工程实践。</p>'),
    (2, 1, 2, 560, 16, '<p>Typescript 进阶：类型体操、声明文件与大型项目工程化。</p>'),
    (3, 1, 1, 2890, 20, '<p><strong>Vue3</strong> 全家桶：组合式 API、Pinia、Vue Router 与 Vite 实战。</p>'),
    (4, 2, 0, 8870, 21, '<p>21 天入门 Python：语法、数据结构、函数与模块。</p>'),
    (5, 2, 1, 1540, 40, '<p>Python Web 全栈：Django、DRF、Vue 与部署上线。</p>'),
    (6, 2, 1, 990, 18, '<p>Python 爬虫：requests、解析、反爬与分布式采集。</p>'),
    (7, 3, 1, 3310, 24, '<p>数据结构与算法：线性表、树、图、排序与动态规划。</p>'),
    (8, 3, 2, 760, 30, '<p>LeetCode 高频题精讲，面试前的系统训练。</p>')
) AS v(id, teacher_id, level, students, lessons, description)
WHERE c.id = v.id AND c.teacher_id IS NULL;

INSERT INTO course_chapters (id, course_id, orders, name, summary) VALUES
    (1, 1, 1, 'Typescript 快速入门', '环境搭建与第一个程序'),
    (2, 1, 2, '类型系统', '基础类型、接口与泛型'),
    (3, 3, 1, 'Vue3 基础', '组合式 API 与响应式原理'),
    (4, 3, 2, '工程化与路由', 'Vite、Vue Router 与 Pinia'),
    (5, 4, 1, 'Python 初识', '安装、解释器与基础语法'),
    (6, 5, 1, 'Django 入门', '项目结构、模型与视图'),
    (7, 6, 1, '爬虫基础', 'HTTP 协议与 requests'),
    (8, 7, 1, '线性结构', '数组、链表、栈与队列'),
    (9, 8, 1, '双指针与滑动窗口', '高频题型与模板'),
    (10, 2, 1, '类型体操', '条件类型与映射类型')
ON CONFLICT (id) DO NOTHING;

INSERT INTO course_lessons (id, chapter_id, course_id, orders, name, duration, free_trail) VALUES
    (1, 1, 1, 1, '课程介绍', '05:12', TRUE),
    (2, 1, 1, 2, '搭建开发环境', '12:40', TRUE),
    (3, 2, 1, 1, '基础类型', '18:05', FALSE),
    (4, 2, 1, 2, '接口与泛型', '25:31', FALSE),
    (5, 3, 3, 1, 'setup 与 ref', '15:20', TRUE),
    (6, 3, 3, 2, 'reactive 与 computed', '21:45', FALSE),
    (7, 4, 3, 1, 'Vite 工程搭建', '10:02', TRUE),
    (8, 4, 3, 2, '路由与状态管理', '28:16', FALSE),
    (9, 5, 4, 1, '第一个 Python 程序', '08:30', TRUE),
    (10, 6, 5, 1, '创建 Django 项目', '16:44', TRUE),
    (11, 7, 6, 1, 'HTTP 请求与响应', '14:09', TRUE),
    (12, 8, 7, 1, '数组与链表', '22:18', TRUE),
    (13, 9, 8, 1, '两数之和', '11:11', TRUE),
    (14, 10, 2, 1, '条件类型', '19:27', TRUE)
ON CONFLICT (id) DO NOTHING;

-- Each demo lesson's material: a short document (`luffy seed` writes the files).
UPDATE course_lessons SET lesson_type = 0, media = 'lessons/lesson-' || id || '.html'
    WHERE id BETWEEN 1 AND 14 AND media = '';

-- The home page: the tutorial's menus and a carousel (`luffy seed` draws the pictures).
INSERT INTO navs (id, name, link, is_http, position, orders) VALUES
    (1, '免费课', '/free', FALSE, 0, 1),
    (2, '项目课', '/project', FALSE, 0, 2),
    (3, '学位课', '/degree', FALSE, 0, 3),
    (4, '习题库', '/exercise', FALSE, 0, 4),
    (5, '路飞学城', 'https://www.luffycity.com/', TRUE, 0, 5),
    (6, '关于我们', '/about', FALSE, 1, 1),
    (7, '联系我们', '/contact', FALSE, 1, 2),
    (8, '帮助中心', '/help', FALSE, 1, 3)
ON CONFLICT (id) DO NOTHING;

INSERT INTO banners (id, name, image, link, is_http, orders) VALUES
    (1, 'Typescript 入门到实战', '/uploads/banner/demo-1.png', '/project/1', FALSE, 1),
    (2, 'Python 开发 21 天入门', '/uploads/banner/demo-2.png', '/project/4', FALSE, 2),
    (3, '数据结构与算法', '/uploads/banner/demo-3.png', '/project/7', FALSE, 3)
ON CONFLICT (id) DO NOTHING;

SELECT setval(pg_get_serial_sequence('navs', 'id'), (SELECT max(id) FROM navs));
SELECT setval(pg_get_serial_sequence('banners', 'id'), (SELECT max(id) FROM banners));
SELECT setval(pg_get_serial_sequence('teachers', 'id'), (SELECT max(id) FROM teachers));
SELECT setval(pg_get_serial_sequence('course_chapters', 'id'), (SELECT max(id) FROM course_chapters));
SELECT setval(pg_get_serial_sequence('course_lessons', 'id'), (SELECT max(id) FROM course_lessons));
