-- 0170 and 0186 (the referral sweep) each added an index on invoices (customer_id, invoiced_at); one is
-- enough. 0186's `invoices_customer` stays (this runs before it on a new database, after it on one that
-- has it); tiers' spend reads the same columns.
DROP INDEX IF EXISTS invoices_customer_invoiced;
