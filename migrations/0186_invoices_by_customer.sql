-- The referral sweep looks for a referred customer's first qualifying purchase: a customer's
-- invoices by date, without reading every invoice of the programme.
CREATE INDEX invoices_customer ON invoices (customer_id, invoiced_at);
