DROP INDEX IF EXISTS jobs_one_pending_reconcile_idx;
DROP TABLE IF EXISTS reconciliation_items;
DROP TABLE IF EXISTS reconciliations;
