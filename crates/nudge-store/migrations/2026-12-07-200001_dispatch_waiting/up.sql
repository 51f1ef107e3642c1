-- The inbound dispatcher (sms-router): why a message was set aside (never
-- handed to the agent), readable by an operator, and an index of the waiting
-- messages only, so that finding who waits and each person's next message
-- costs the same whatever the backlog (the queries name `status = 'pending'`
-- literally so that both databases can use this partial index).
ALTER TABLE sms_inbound ADD COLUMN set_aside_reason TEXT;
CREATE INDEX sms_inbound_dispatch_waiting ON sms_inbound (user_id, received_at, id) WHERE status = 'pending';
