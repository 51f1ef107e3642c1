-- The sender's claim (sms-router, outbound/store.rs): each number's head is
-- found by probing these partial indexes, never by scanning the queue, so the
-- plan does not depend on what the statistics say about the queue's size.
--
-- A number's pending SMS in send order: the next number with pending rows
-- after a given one (a skip over the index), and its oldest pending row.
CREATE INDEX sms_outbound_sender_pending ON sms_outbound (from_number, created_at, part, id)
    WHERE status IN ('queued', 'sending');
-- The numbers with an SMS in flight (a few rows at most: one per number being sent).
CREATE INDEX sms_outbound_sender_sending ON sms_outbound (from_number)
    WHERE status = 'sending';
