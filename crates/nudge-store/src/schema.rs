//! The tables, written for both backends (see `migrations/README.md`).
//! Each table belongs to one service; the module docs name it.

diesel::table! {
    /// api
    users (id) {
        id -> Text,
        phone_index -> Text,
        timezone -> Text,
        language -> Text,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        phone_sealed -> Nullable<Binary>,
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
        phone_index -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        provider_sid -> Nullable<Text>,
        phone_sealed -> Nullable<Binary>,
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
        sender_hash -> Nullable<Text>,
        keyword -> Nullable<Text>,
        set_aside_reason -> Nullable<Text>,
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
        to_index -> Text,
        body -> Binary,
        status -> Text,
        provider_sid -> Nullable<Text>,
        segments -> Integer,
        error_code -> Nullable<Integer>,
        attempts -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        to_sealed -> Nullable<Binary>,
    }
}

diesel::table! {
    /// sms-router: the queue columns of `sms_outbound` (the same SQL table).
    /// diesel's `table!` takes at most 16 columns without its
    /// `32-column-tables` feature, so they are declared apart.
    #[sql_name = "sms_outbound"]
    sms_outbound_queue (id) {
        id -> Text,
        from_number -> Text,
        status -> Text,
        provider_sid -> Nullable<Text>,
        segments -> Integer,
        error_code -> Nullable<Integer>,
        attempts -> Integer,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        send_after -> Nullable<Timestamp>,
        claimed_at -> Nullable<Timestamp>,
        lease_until -> Nullable<Timestamp>,
        reconcile_since -> Nullable<Timestamp>,
        part -> Integer,
        parts -> Integer,
        encoding -> Nullable<Text>,
    }
}

diesel::table! {
    /// sms-router
    sms_consent (user_id) {
        user_id -> Text,
        opted_out -> Bool,
        language -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// sms-router
    sms_consent_events (id) {
        id -> Text,
        user_id -> Text,
        event -> Text,
        source -> Text,
        keyword -> Nullable<Text>,
        inbound_id -> Nullable<Text>,
        outbound_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// sms-router
    sms_stranger_replies (id) {
        id -> Text,
        nudge_number -> Text,
        sender_hash -> Text,
        user_id -> Text,
        status -> Text,
        provider_sid -> Nullable<Text>,
        segments -> Integer,
        error_code -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// sms-router
    sms_number_periods (id) {
        id -> Text,
        user_id -> Text,
        nudge_number -> Text,
        provider_sid -> Nullable<Text>,
        monthly_price_micros -> Integer,
        assigned_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
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

// api: identity (issue 6)

diesel::table! {
    /// api
    api_accounts (id) {
        id -> Text,
        email_index -> Text,
        password_hash -> Text,
        role -> Text,
        phone -> Nullable<Text>,
        phone_verified_at -> Nullable<Timestamp>,
        timezone -> Text,
        language -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        totp_secret -> Nullable<Binary>,
        totp_enabled_at -> Nullable<Timestamp>,
        totp_last_step -> Integer,
        email_sealed -> Nullable<Binary>,
        phone_sealed -> Nullable<Binary>,
    }
}

diesel::table! {
    /// api
    api_sessions (id) {
        id -> Text,
        user_id -> Text,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
        mfa -> Bool,
    }
}

diesel::table! {
    /// api
    api_refresh_tokens (id) {
        id -> Text,
        session_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// api
    api_codes (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        phone -> Nullable<Text>,
        code_hash -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        phone_sealed -> Nullable<Binary>,
    }
}

diesel::table! {
    /// api
    api_audit_events (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        kind -> Text,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// api
    api_backup_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

// agent: memory and providers (issue 5)

diesel::table! {
    /// agent
    agent_memories (id) {
        id -> Text,
        user_id -> Text,
        body -> Binary,
        status -> Text,
        superseded_by -> Nullable<Text>,
        mentions -> Integer,
        idempotency_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        terms_key -> Nullable<Text>,
    }
}

diesel::table! {
    /// agent
    agent_memory_terms (memory_id, term) {
        memory_id -> Text,
        user_id -> Text,
        term -> Binary,
    }
}

diesel::joinable!(agent_memory_terms -> agent_memories (memory_id));
diesel::allow_tables_to_appear_in_same_query!(agent_memory_terms, agent_memories);

diesel::table! {
    /// agent
    agent_memory_embeddings (memory_id) {
        memory_id -> Text,
        user_id -> Text,
        model -> Text,
        vector -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// agent
    agent_embedding_stamps (user_id) {
        user_id -> Text,
        stamp -> BigInt,
    }
}

diesel::table! {
    /// agent
    agent_pending_actions (user_id) {
        user_id -> Text,
        action -> Text,
        inbound_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// agent
    agent_preferences (user_id) {
        user_id -> Text,
        plan -> Text,
        local_only -> Bool,
        budget_told_month -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// agent
    agent_usage (user_id, month, provider) {
        user_id -> Text,
        month -> Text,
        provider -> Text,
        requests -> Integer,
        prompt_tokens -> Integer,
        completion_tokens -> Integer,
        cost_micros -> Integer,
        updated_at -> Timestamp,
    }
}

// api: GDPR consent records (issue 6, point 7)

diesel::table! {
    /// api
    api_consents (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        granted -> Bool,
        version -> Text,
        created_at -> Timestamp,
    }
}

// agent: the remaining steps of a model's reply, texted one at a time

diesel::table! {
    /// agent
    agent_pending_steps (user_id) {
        user_id -> Text,
        steps -> Binary,
        total -> Integer,
        sent -> Integer,
        language -> Text,
        inbound_id -> Text,
        updated_at -> Timestamp,
    }
}

// Per-person data keys, one table per owning service (issue 13, finding 2)

diesel::table! {
    /// agent
    agent_person_keys (user_id) {
        user_id -> Text,
        wrapped_key -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// sms-router
    sms_person_keys (user_id) {
        user_id -> Text,
        wrapped_key -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// workers
    workers_person_keys (user_id) {
        user_id -> Text,
        wrapped_key -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// api
    api_person_keys (user_id) {
        user_id -> Text,
        wrapped_key -> Binary,
        created_at -> Timestamp,
    }
}
