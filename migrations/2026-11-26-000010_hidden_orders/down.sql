ALTER TABLE orders DROP COLUMN hidden_at;
