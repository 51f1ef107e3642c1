-- Restores the columns' names, not their values: rows written since hold a
-- blind index where the plain phone was.
DROP INDEX sms_outbound_to_unsealed;
ALTER TABLE sms_outbound DROP COLUMN to_sealed;
ALTER TABLE sms_outbound RENAME COLUMN to_index TO to_number;
ALTER TABLE sms_numbers DROP COLUMN phone_sealed;
ALTER TABLE sms_numbers RENAME COLUMN phone_index TO phone;
