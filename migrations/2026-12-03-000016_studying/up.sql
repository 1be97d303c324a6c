-- Studying: what a lesson is and where its media lives, where each learner is in each course
-- and how long they studied, and their time on each lesson.
ALTER TABLE course_lessons
    ADD COLUMN lesson_type SMALLINT     NOT NULL DEFAULT 2 CHECK (lesson_type IN (0, 1, 2)),
    ADD COLUMN media       VARCHAR(255) NOT NULL DEFAULT '';

ALTER TABLE user_courses
    ADD COLUMN chapter_id   BIGINT REFERENCES course_chapters (id),
    ADD COLUMN lesson_id    BIGINT REFERENCES course_lessons (id),
    ADD COLUMN study_time   BIGINT      NOT NULL DEFAULT 0 CHECK (study_time >= 0),
    ADD COLUMN updated_time TIMESTAMPTZ NOT NULL DEFAULT now();

CREATE TABLE study_progress (
    user_id      BIGINT      NOT NULL REFERENCES users (id),
    lesson_id    BIGINT      NOT NULL REFERENCES course_lessons (id),
    study_time   BIGINT      NOT NULL DEFAULT 0 CHECK (study_time >= 0),
    updated_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, lesson_id)
);
