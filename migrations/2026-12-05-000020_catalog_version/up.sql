-- One number that changes with every committed change to what a checkout prices from (courses,
-- their direction and category, promotions with their activity and discount). A checkout reads
-- it with its facts and reuses courses it already priced at the same number (luffy's
-- `CheckoutCatalog`), so the number must be transactional: a statement-level trigger on each
-- table bumps it in the changing transaction, and a snapshot that sees number N sees exactly
-- the catalog that N was committed with. It starts at a random value so that a database
-- recreated under a running luffy never repeats the number of the one it replaced.
-- The triggers run BEFORE each statement: a catalog writer takes the version row's lock before
-- any row its statement changes, so two writers queue on it instead of each holding a row the
-- other needs (a deadlock, had the bump come after the rows).
CREATE TABLE catalog_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL
);
INSERT INTO catalog_version (version) VALUES ((random() * 1e15)::bigint);

CREATE FUNCTION luffy_bump_catalog_version() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER courses_bump_catalog_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON courses FOR EACH STATEMENT EXECUTE FUNCTION luffy_bump_catalog_version();
CREATE TRIGGER course_directions_bump_catalog_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON course_directions FOR EACH STATEMENT EXECUTE FUNCTION luffy_bump_catalog_version();
CREATE TRIGGER course_categories_bump_catalog_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON course_categories FOR EACH STATEMENT EXECUTE FUNCTION luffy_bump_catalog_version();
CREATE TRIGGER course_activity_prices_bump_catalog_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON course_activity_prices FOR EACH STATEMENT EXECUTE FUNCTION luffy_bump_catalog_version();
CREATE TRIGGER activities_bump_catalog_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON activities FOR EACH STATEMENT EXECUTE FUNCTION luffy_bump_catalog_version();
CREATE TRIGGER discounts_bump_catalog_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON discounts FOR EACH STATEMENT EXECUTE FUNCTION luffy_bump_catalog_version();
CREATE TRIGGER discount_types_bump_catalog_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON discount_types FOR EACH STATEMENT EXECUTE FUNCTION luffy_bump_catalog_version();
