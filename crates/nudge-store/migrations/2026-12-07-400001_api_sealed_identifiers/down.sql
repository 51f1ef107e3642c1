-- Restores the columns' names, not their values: rows written since hold a
-- blind index where the plain email or phone was.
ALTER TABLE api_codes DROP COLUMN phone_sealed;
ALTER TABLE users DROP COLUMN phone_sealed;
ALTER TABLE users RENAME COLUMN phone_index TO phone;
ALTER TABLE api_accounts DROP COLUMN phone_sealed;
ALTER TABLE api_accounts DROP COLUMN email_sealed;
ALTER TABLE api_accounts RENAME COLUMN email_index TO email;
