DROP TRIGGER IF EXISTS courses_bump_catalog_version ON courses;
DROP TRIGGER IF EXISTS course_directions_bump_catalog_version ON course_directions;
DROP TRIGGER IF EXISTS course_categories_bump_catalog_version ON course_categories;
DROP TRIGGER IF EXISTS course_activity_prices_bump_catalog_version ON course_activity_prices;
DROP TRIGGER IF EXISTS activities_bump_catalog_version ON activities;
DROP TRIGGER IF EXISTS discounts_bump_catalog_version ON discounts;
DROP TRIGGER IF EXISTS discount_types_bump_catalog_version ON discount_types;
DROP FUNCTION IF EXISTS luffy_bump_catalog_version();
DROP TABLE IF EXISTS catalog_version;
