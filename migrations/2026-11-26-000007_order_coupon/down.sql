ALTER TABLE orders DROP COLUMN coupon_log_id;
