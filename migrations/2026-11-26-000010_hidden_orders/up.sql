-- A buyer may hide an order that can no longer change and bought nothing (cancelled or timed
-- out) from "my orders". Never a physical delete: the row, its lines and its ledger stay.
ALTER TABLE orders ADD COLUMN hidden_at TIMESTAMPTZ;
