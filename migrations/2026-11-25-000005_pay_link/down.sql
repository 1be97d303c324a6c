ALTER TABLE orders DROP COLUMN pay_link_at;
