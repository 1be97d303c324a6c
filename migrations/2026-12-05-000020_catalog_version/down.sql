-- CASCADE drops the seven triggers that call it.
DROP FUNCTION IF EXISTS luffy_bump_catalog_version() CASCADE;
DROP TABLE IF EXISTS catalog_version;
