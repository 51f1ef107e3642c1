-- api: identifiers sealed at rest (issue 13, finding 2). An email or a phone
-- is no longer stored as text: each is sealed under the person's key
-- (`api_person_keys`), so that once the person is erased no copy of it
-- opens (dead tuples, free pages, WAL, backups), and found by a blind
-- index, `<key id>:<hex HMAC-SHA256>` under a key derived from the key ring
-- (nudge-secure `KeyRing::blind_index`), unique as the plain value was.
--
-- The old plain columns are renamed, not copied: until the api's start-up
-- job has sealed a row written before this migration, its `email_index`
-- (or `users.phone_index`) still holds the plain value, and lookups try it
-- too. This is a contract step for the api: an api replica of an earlier
-- version fails on the renamed columns (loudly), so upgrade the api's
-- replicas together.
ALTER TABLE api_accounts RENAME COLUMN email TO email_index;
ALTER TABLE api_accounts ADD COLUMN email_sealed BYTEA;
-- `phone` (plain) is left NULL by this version and emptied by the job.
ALTER TABLE api_accounts ADD COLUMN phone_sealed BYTEA;
ALTER TABLE users RENAME COLUMN phone TO phone_index;
ALTER TABLE users ADD COLUMN phone_sealed BYTEA;
-- `phone` (plain) is left NULL by this version; codes live minutes.
ALTER TABLE api_codes ADD COLUMN phone_sealed BYTEA;
