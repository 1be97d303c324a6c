-- Course search by substring, Chinese included (full text search cannot split Chinese words):
-- trigram indexes serve ILIKE '%text%' for texts of three characters or more; shorter texts
-- scan the (small) shown catalogue.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX courses_name_trgm_idx ON courses USING gin (name gin_trgm_ops);
CREATE INDEX courses_description_trgm_idx ON courses USING gin (description gin_trgm_ops);
CREATE INDEX teachers_name_trgm_idx ON teachers USING gin (name gin_trgm_ops);
