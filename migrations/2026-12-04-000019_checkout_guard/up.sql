-- A guarded write that matched no row must fail the statement, not merely report 0 rows: the
-- order is written in the same round trip as its COMMIT, and only an error keeps that COMMIT
-- from committing (PostgreSQL answers COMMIT in an aborted transaction with a rollback).
CREATE FUNCTION luffy_require(ok boolean, refusal text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'luffy refused: %', refusal USING ERRCODE = 'P0001';
    END IF;
    RETURN true;
END
$$;
