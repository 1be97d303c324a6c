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

-- One trigger per table the checkout's course read joins (`courses_with_promotions_sql!`).
DO $$
DECLARE
    catalog_table text;
BEGIN
    FOREACH catalog_table IN ARRAY ARRAY['courses', 'course_directions', 'course_categories',
        'course_activity_prices', 'activities', 'discounts', 'discount_types']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION luffy_bump_catalog_version()',
            catalog_table || '_bump_catalog_version', catalog_table);
    END LOOP;
END
$$;
