DROP TABLE workers_people;

DROP INDEX reminder_occurrences_reminder_state;
DROP INDEX reminder_occurrences_state_lease;
DROP INDEX reminder_occurrences_snooze_key;
DROP INDEX reminder_occurrences_ack_key;
ALTER TABLE reminder_occurrences DROP COLUMN acked_at;
ALTER TABLE reminder_occurrences DROP COLUMN snooze_key;
ALTER TABLE reminder_occurrences DROP COLUMN ack_key;
ALTER TABLE reminder_occurrences DROP COLUMN held_from;
ALTER TABLE reminder_occurrences DROP COLUMN kind;

DROP INDEX reminders_user_status_sent;
ALTER TABLE reminders DROP COLUMN last_due_at;
ALTER TABLE reminders DROP COLUMN last_sent_at;
ALTER TABLE reminders DROP COLUMN nags_sent;
ALTER TABLE reminders DROP COLUMN urgent;
ALTER TABLE reminders DROP COLUMN dtstart;
ALTER TABLE reminders DROP COLUMN rrule;
