-- An operator may switch a coupon off: its grants stay (a granted coupon is never deleted) but
-- can no longer be used, claimed or granted.
ALTER TABLE coupons ADD COLUMN is_enabled BOOLEAN NOT NULL DEFAULT true;
