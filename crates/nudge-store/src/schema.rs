//! The tables, written for both backends (see `migrations/README.md`).
//! Each table belongs to one service; the module docs name it.

diesel::table! {
    /// api
    users (id) {
        id -> Text,
        phone -> Text,
        timezone -> Text,
        language -> Text,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// agent
    agent_people (user_id) {
        user_id -> Text,
        timezone -> Text,
        language -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// agent
    agent_messages (id) {
        id -> Text,
        user_id -> Text,
        direction -> Text,
        inbound_id -> Nullable<Text>,
        body -> Binary,
        intent -> Nullable<Text>,
        created_at -> Timestamp,
        handled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// workers
    reminders (id) {
        id -> Text,
        user_id -> Text,
        body -> Binary,
        timezone -> Text,
        language -> Text,
        status -> Text,
        idempotency_key -> Text,
        ack_key -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        rrule -> Nullable<Text>,
        dtstart -> Nullable<Timestamp>,
        urgent -> Bool,
        nags_sent -> Integer,
        last_sent_at -> Nullable<Timestamp>,
        last_due_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// workers
    reminder_occurrences (id) {
        id -> Text,
        reminder_id -> Text,
        user_id -> Text,
        due_at -> Timestamp,
        state -> Text,
        lease_until -> Nullable<Timestamp>,
        attempts -> Integer,
        late -> Bool,
        sent_at -> Nullable<Timestamp>,
        outbound_id -> Nullable<Text>,
        created_at -> Timestamp,
        kind -> Text,
        held_from -> Nullable<Timestamp>,
        ack_key -> Nullable<Text>,
        snooze_key -> Nullable<Text>,
        acked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// workers
    workers_people (user_id) {
        user_id -> Text,
        timezone -> Text,
        quiet_start_minute -> Nullable<Integer>,
        quiet_end_minute -> Nullable<Integer>,
        nag_interval_seconds -> Integer,
        nag_limit -> Integer,
        missed_policy -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(reminder_occurrences -> reminders (reminder_id));
diesel::allow_tables_to_appear_in_same_query!(reminders, reminder_occurrences);

diesel::table! {
    /// sms-router
    sms_numbers (id) {
        id -> Text,
        user_id -> Text,
        nudge_number -> Text,
        phone -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// sms-router
    sms_inbound (id) {
        id -> Text,
        message_sid -> Text,
        user_id -> Text,
        status -> Text,
        body -> Binary,
        num_segments -> Integer,
        received_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        dispatched_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// sms-router
    sms_outbound (id) {
        id -> Text,
        idempotency_key -> Text,
        user_id -> Text,
        kind -> Text,
        from_number -> Text,
        to_number -> Text,
        body -> Binary,
        status -> Text,
        provider_sid -> Nullable<Text>,
        segments -> Integer,
        error_code -> Nullable<Integer>,
        attempts -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// agent
    agent_tasks (id) {
        id -> Text,
        user_id -> Text,
        body -> Binary,
        position -> Integer,
        status -> Text,
        due_at -> Nullable<Timestamp>,
        reminder_id -> Nullable<Text>,
        idempotency_key -> Text,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// agent
    agent_listings (user_id) {
        user_id -> Text,
        kind -> Text,
        item_ids -> Text,
        created_at -> Timestamp,
    }
}
