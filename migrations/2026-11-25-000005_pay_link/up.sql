-- When the Alipay pay link was first issued. An order that never had one cannot have a remote
-- trade (only our signed link creates it, and no link is issued after expiry), so its timeout
-- needs no gateway call.
ALTER TABLE orders ADD COLUMN pay_link_at TIMESTAMPTZ;
