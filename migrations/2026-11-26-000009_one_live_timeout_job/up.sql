-- One live (pending or running) timeout job per order (issue 14): several workers sweeping
-- at once used to insert one each for an order that had lost its job. Duplicates that exist
-- already are settled first, keeping the oldest.
UPDATE jobs j SET status = 'done', locked_by = NULL, locked_until = NULL,
                  last_error = 'duplicate timeout job settled by migration', updated_time = now()
WHERE j.kind = 'order_timeout' AND j.status IN ('pending', 'running')
  AND EXISTS (SELECT 1 FROM jobs o
              WHERE o.order_id = j.order_id AND o.kind = 'order_timeout'
                AND o.status IN ('pending', 'running') AND o.id < j.id);

CREATE UNIQUE INDEX jobs_one_live_timeout_per_order ON jobs (order_id)
    WHERE kind = 'order_timeout' AND status IN ('pending', 'running');
