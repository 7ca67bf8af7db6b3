-- When the shop read a price or a stock level (`as_of` on notify-price-drop and notify-stock events).
-- An event no newer than the one a sku last took changes nothing, so a queue that redelivers or
-- reorders events cannot put back an old price or reopen a restock that already happened.
ALTER TABLE product_prices ADD COLUMN as_of timestamptz;
ALTER TABLE product_stock ADD COLUMN as_of timestamptz;
