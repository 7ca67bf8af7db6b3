-- Coupons for BI tools and `puntos export coupons`: one row per coupon bought with points, with the
-- reward and the terms' version it was bought under and what became of it. The coupon's own code and a
-- partner voucher's code are bearer secrets (whoever holds one can spend it) and stay out, as contact
-- data does in the other views: a coupon is named by its id and its voucher number.
CREATE VIEW puntos_bi.coupons AS
SELECT c.id, c.programme_id, c.customer_id, u.external_id AS customer_external_id, u.segment AS customer_segment,
       c.card_number, r.code AS reward, c.reward_version, v.name AS reward_name, v.kind AS reward_type,
       c.points, c.voucher_number, c.entry_id, c.status, c.bought_at, c.valid_until, c.used_at, c.order_number,
       c.discount
FROM public.coupons c
JOIN public.customers u ON u.id = c.customer_id
JOIN public.rewards r ON r.id = c.reward_id
JOIN public.reward_versions v ON v.reward_id = c.reward_id AND v.version = c.reward_version;
COMMENT ON VIEW puntos_bi.coupons IS
    'Coupons bought with points: the reward and terms version, points paid, status (active, used, expired, refunded), the order used on and its discount; no coupon or partner code.';
COMMENT ON COLUMN puntos_bi.coupons.entry_id IS 'The ledger entry (a redemption) that paid for the coupon.';
ALTER VIEW puntos_bi.coupons OWNER TO puntos_owner;
REVOKE ALL ON puntos_bi.coupons FROM PUBLIC;
GRANT SELECT ON puntos_bi.coupons TO puntos_app, puntos_reader;
