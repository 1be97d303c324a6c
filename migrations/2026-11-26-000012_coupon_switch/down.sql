ALTER TABLE coupons DROP COLUMN is_enabled;
