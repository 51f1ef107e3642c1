DROP TABLE reminder_occurrences;
DROP TABLE reminders;
