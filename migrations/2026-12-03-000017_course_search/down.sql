DROP INDEX IF EXISTS teachers_name_trgm_idx;
DROP INDEX IF EXISTS courses_description_trgm_idx;
DROP INDEX IF EXISTS courses_name_trgm_idx;
