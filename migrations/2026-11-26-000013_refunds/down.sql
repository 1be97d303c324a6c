DROP TABLE refund_lines;
DROP TABLE refunds;
ALTER TABLE orders DROP CONSTRAINT orders_paid_time_check;
ALTER TABLE orders ADD CONSTRAINT orders_check1 CHECK ((order_status = 1) = (pay_time IS NOT NULL));
ALTER TABLE orders DROP CONSTRAINT orders_order_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_order_status_check CHECK (order_status BETWEEN 0 AND 3);
