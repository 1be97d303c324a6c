-- The coupon grant an order used, kept after a cancel or timeout releases the grant, so the
-- order still shows which coupon its lines' coupon_discount came from (issue 11).
ALTER TABLE orders ADD COLUMN coupon_log_id BIGINT REFERENCES coupon_logs (id);
UPDATE orders o SET coupon_log_id = c.id FROM coupon_logs c WHERE c.order_id = o.id;
