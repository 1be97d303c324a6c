DROP FUNCTION IF EXISTS luffy_require(boolean, text);
