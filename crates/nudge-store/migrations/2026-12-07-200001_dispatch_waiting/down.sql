DROP INDEX sms_inbound_dispatch_waiting;
ALTER TABLE sms_inbound DROP COLUMN set_aside_reason;
