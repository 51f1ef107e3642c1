-- The sender (sms-router, outbound/store.rs) serves the numbers with a
-- reminder due before walking the others in turn: while replies queue
-- faster than they can be sent, a reminder no longer waits for the walk
-- to reach its number. This partial index holds the queued reminders only
-- (a few rows), in the order they fell due; each number's head is then
-- found through `sms_outbound_sender_pending`, so its order is kept.
CREATE INDEX sms_outbound_sender_reminders ON sms_outbound (send_after, from_number)
    WHERE kind = 'reminder' AND status = 'queued';
