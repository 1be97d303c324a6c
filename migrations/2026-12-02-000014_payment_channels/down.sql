UPDATE jobs SET kind = 'alipay_refund', payload = (payload::jsonb - 'channel')::text
    WHERE kind = 'trade_refund' AND payload::jsonb ->> 'channel' = 'alipay';
UPDATE jobs SET kind = 'alipay_close', payload = (payload::jsonb - 'channel')::text
    WHERE kind = 'trade_close' AND payload::jsonb ->> 'channel' = 'alipay';
ALTER TABLE refunds DROP CONSTRAINT refunds_channel_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_channel_check CHECK (channel IN ('alipay', 'balance'));
ALTER TABLE payments DROP CONSTRAINT payments_channel_check;
ALTER TABLE payments ADD CONSTRAINT payments_channel_check CHECK (channel IN ('alipay', 'balance'));
