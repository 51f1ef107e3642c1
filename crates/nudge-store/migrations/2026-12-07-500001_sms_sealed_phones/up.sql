-- sms-router: phones sealed at rest (issue 13, finding 2), as the api's are
-- (migration 2026-12-07-400001). A person's phone is sealed under their key
-- (`sms_person_keys`) and found by a blind index, `<key id>:<hex HMAC>`
-- under a key derived from the key ring; so is the recipient of each
-- outbound SMS. Once the person is erased, no copy of their phone left in
-- these tables opens.
--
-- The plain columns are renamed: until sms-router's start-up job has sealed
-- a row written before this migration, its `phone_index` (or `to_index`)
-- still holds the plain phone, and the code reads it as such. A contract
-- step for sms-router: upgrade its replicas together (an earlier version
-- fails on the renamed columns, loudly).
ALTER TABLE sms_numbers RENAME COLUMN phone TO phone_index;
ALTER TABLE sms_numbers ADD COLUMN phone_sealed BYTEA;
ALTER TABLE sms_outbound RENAME COLUMN to_number TO to_index;
ALTER TABLE sms_outbound ADD COLUMN to_sealed BYTEA;
-- The rows the start-up job still has to seal, found without a scan.
CREATE INDEX sms_outbound_to_unsealed ON sms_outbound (id) WHERE to_sealed IS NULL;
