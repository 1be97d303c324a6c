DROP TABLE IF EXISTS study_progress;
ALTER TABLE user_courses DROP COLUMN IF EXISTS chapter_id, DROP COLUMN IF EXISTS lesson_id,
    DROP COLUMN IF EXISTS study_time, DROP COLUMN IF EXISTS updated_time;
ALTER TABLE course_lessons DROP COLUMN IF EXISTS lesson_type, DROP COLUMN IF EXISTS media;
