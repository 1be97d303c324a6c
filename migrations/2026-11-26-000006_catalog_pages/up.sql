-- The course pages of the tutorial's client (issue 10): teachers, course level, students,
-- video, description and lesson counts, chapters and lessons.

CREATE TABLE teachers (
    id         BIGSERIAL PRIMARY KEY,
    name       VARCHAR(50)  NOT NULL,
    avatar     VARCHAR(255) NOT NULL DEFAULT '',
    title      VARCHAR(64)  NOT NULL DEFAULT '',
    role       SMALLINT     NOT NULL DEFAULT 0 CHECK (role BETWEEN 0 AND 2),
    brief      TEXT         NOT NULL DEFAULT '',
    is_show    BOOLEAN      NOT NULL DEFAULT TRUE,
    is_deleted BOOLEAN      NOT NULL DEFAULT FALSE
);

ALTER TABLE courses
    ADD COLUMN course_video VARCHAR(255) NOT NULL DEFAULT '',
    ADD COLUMN description  TEXT         NOT NULL DEFAULT '',
    ADD COLUMN level        SMALLINT     NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 2),
    ADD COLUMN students     INTEGER      NOT NULL DEFAULT 0 CHECK (students >= 0),
    ADD COLUMN lessons      INTEGER      NOT NULL DEFAULT 0 CHECK (lessons >= 0),
    ADD COLUMN teacher_id   BIGINT REFERENCES teachers (id);
CREATE INDEX courses_teacher_idx ON courses (teacher_id);

CREATE TABLE course_chapters (
    id        BIGSERIAL PRIMARY KEY,
    course_id BIGINT       NOT NULL REFERENCES courses (id),
    orders    INTEGER      NOT NULL DEFAULT 1,
    name      VARCHAR(128) NOT NULL,
    summary   TEXT         NOT NULL DEFAULT '',
    is_show   BOOLEAN      NOT NULL DEFAULT TRUE
);
CREATE INDEX course_chapters_course_idx ON course_chapters (course_id, orders);

CREATE TABLE course_lessons (
    id         BIGSERIAL PRIMARY KEY,
    chapter_id BIGINT       NOT NULL REFERENCES course_chapters (id),
    course_id  BIGINT       NOT NULL REFERENCES courses (id),
    orders     INTEGER      NOT NULL DEFAULT 1,
    name       VARCHAR(255) NOT NULL,
    duration   VARCHAR(32)  NOT NULL DEFAULT '',
    free_trail BOOLEAN      NOT NULL DEFAULT FALSE,
    is_show    BOOLEAN      NOT NULL DEFAULT TRUE
);
CREATE INDEX course_lessons_chapter_idx ON course_lessons (chapter_id, orders);
CREATE INDEX course_lessons_course_idx ON course_lessons (course_id) WHERE is_show;
