-- Channel-generic payments: WeChat Pay joins Alipay and the balance, and the trade jobs carry
-- their channel (`trade_close`, `trade_refund`) instead of being Alipay's by name.
ALTER TABLE payments DROP CONSTRAINT payments_channel_check;
ALTER TABLE payments ADD CONSTRAINT payments_channel_check
    CHECK (channel IN ('alipay', 'wechat', 'balance'));
ALTER TABLE refunds DROP CONSTRAINT refunds_channel_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_channel_check
    CHECK (channel IN ('alipay', 'wechat', 'balance'));

UPDATE jobs SET kind = 'trade_close',
    payload = (payload::jsonb || '{"channel": "alipay"}'::jsonb)::text
    WHERE kind = 'alipay_close';
UPDATE jobs SET kind = 'trade_refund',
    payload = (payload::jsonb || '{"channel": "alipay"}'::jsonb)::text
    WHERE kind = 'alipay_refund';
