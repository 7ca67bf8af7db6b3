-- A customer's channel per notice class or kind, written by `subscribe` kind `preferences`:
-- {"transactional": "both", "marketing": "sms", "price_drop": "none"}; a kind's choice wins over its
-- class's, and with neither `deliver` uses its default (e-mail, else SMS). Values: email, sms, both, none.
ALTER TABLE notification_settings
    ADD COLUMN channels jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(channels) = 'object');

-- The daily cap per marketing notice kind (price_drop, back_in_stock): {"price_drop": 5}. A kind not
-- named here uses PUNTOS_DAILY_CAP (10). Transactional notices are never capped.
ALTER TABLE programmes
    ADD COLUMN daily_caps jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(daily_caps) = 'object');
