// @generated automatically by Diesel CLI.

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    changes (id) {
        id -> Integer,
        item_id -> Integer,
        kind -> Text,
        payload -> Text,
        user_id -> Nullable<Integer>,
        created_at -> Timestamp,
        origin -> Nullable<Text>,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Integer,
        subscription_id -> Integer,
        kind -> Text,
        change_id -> Nullable<Integer>,
        period_start -> Nullable<Timestamp>,
        period_end -> Nullable<Timestamp>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        claim_token -> Nullable<Text>,
        reminder_id -> Nullable<Integer>,
    }
}

diesel::table! {
    digest_entries (subscription_id, change_id) {
        subscription_id -> Integer,
        change_id -> Integer,
        delivery_id -> Nullable<Integer>,
    }
}

diesel::table! {
    event_tags (tag_id, event_date, event_id) {
        tag_id -> Integer,
        event_date -> Date,
        event_id -> Integer,
    }
}

diesel::table! {
    item_identifiers (id) {
        id -> Integer,
        item_id -> Integer,
        position -> Integer,
        value -> Text,
    }
}

diesel::table! {
    item_links (id) {
        id -> Integer,
        from_item_id -> Integer,
        to_item_id -> Integer,
        relation -> Text,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    item_parties (id) {
        id -> Integer,
        item_id -> Integer,
        position -> Integer,
        name -> Text,
    }
}

diesel::table! {
    item_tags (item_id, tag_id) {
        item_id -> Integer,
        tag_id -> Integer,
    }
}

diesel::table! {
    items (id) {
        id -> Integer,
        slug -> Text,
        kind -> Text,
        title -> Text,
        short_title -> Nullable<Text>,
        original_title -> Nullable<Text>,
        jurisdiction -> Text,
        summary -> Text,
        status_summary -> Nullable<Text>,
        current_status -> Nullable<Text>,
        current_phase -> Nullable<Text>,
        last_event_date -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_event_precision -> Nullable<Text>,
    }
}

diesel::table! {
    limit_attempts (id) {
        id -> Integer,
        limit_key -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    milestone_reminders (id) {
        id -> Integer,
        milestone_id -> Integer,
        lead_days -> Integer,
        armed_for -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    milestones (id) {
        id -> Integer,
        item_id -> Integer,
        kind -> Text,
        milestone_date -> Date,
        date_precision -> Text,
        note -> Text,
        source_url -> Text,
        confidence -> Text,
        cancelled -> Bool,
        sequence -> Integer,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        edited -> Bool,
        item_kind -> Text,
        item_jurisdiction -> Text,
    }
}

diesel::table! {
    proposals (id) {
        id -> Integer,
        source -> Text,
        source_key -> Text,
        item_id -> Integer,
        target -> Text,
        proposed_date -> Date,
        date_precision -> Text,
        status -> Nullable<Text>,
        milestone_kind -> Nullable<Text>,
        note -> Text,
        source_url -> Text,
        confidence -> Text,
        raw_text -> Text,
        state -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<Integer>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    revisions (id) {
        id -> Integer,
        item_id -> Integer,
        user_id -> Nullable<Integer>,
        item_version -> Integer,
        action -> Text,
        diff -> Text,
        created_at -> Timestamp,
        origin -> Nullable<Text>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    source_fetches (url) {
        url -> Text,
        etag -> Nullable<Text>,
        last_modified -> Nullable<Text>,
        fetched_at -> Timestamp,
    }
}

diesel::table! {
    status_events (id) {
        id -> Integer,
        item_id -> Integer,
        event_date -> Date,
        date_precision -> Text,
        status -> Text,
        moves_status -> Bool,
        phase -> Nullable<Text>,
        note -> Text,
        source_url -> Text,
        confidence -> Text,
        retracted -> Bool,
        retraction_note -> Nullable<Text>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        edited -> Bool,
        item_kind -> Text,
        item_jurisdiction -> Text,
    }
}

diesel::table! {
    subscribers (id) {
        id -> Integer,
        email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subscription_tokens (id) {
        id -> Integer,
        token_hash -> Text,
        purpose -> Text,
        subscriber_id -> Integer,
        subscription_id -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Integer,
        subscriber_id -> Integer,
        scope_type -> Text,
        scope_value -> Text,
        frequency -> Text,
        confirmed_at -> Nullable<Timestamp>,
        next_digest_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        name -> Text,
    }
}

diesel::table! {
    user_sessions (id) {
        id -> Integer,
        token_hash -> Text,
        user_id -> Integer,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(changes -> items (item_id));
diesel::joinable!(changes -> users (user_id));
diesel::joinable!(deliveries -> changes (change_id));
diesel::joinable!(deliveries -> milestone_reminders (reminder_id));
diesel::joinable!(deliveries -> subscriptions (subscription_id));
diesel::joinable!(digest_entries -> changes (change_id));
diesel::joinable!(digest_entries -> deliveries (delivery_id));
diesel::joinable!(digest_entries -> subscriptions (subscription_id));
diesel::joinable!(item_identifiers -> items (item_id));
diesel::joinable!(item_links -> users (created_by));
diesel::joinable!(item_parties -> items (item_id));
diesel::joinable!(event_tags -> status_events (event_id));
diesel::joinable!(event_tags -> tags (tag_id));
diesel::joinable!(item_tags -> items (item_id));
diesel::joinable!(item_tags -> tags (tag_id));
diesel::joinable!(milestone_reminders -> milestones (milestone_id));
diesel::joinable!(milestones -> items (item_id));
diesel::joinable!(milestones -> users (created_by));
diesel::joinable!(proposals -> items (item_id));
diesel::joinable!(proposals -> users (decided_by));
diesel::joinable!(revisions -> items (item_id));
diesel::joinable!(revisions -> users (user_id));
diesel::joinable!(status_events -> items (item_id));
diesel::joinable!(status_events -> users (created_by));
diesel::joinable!(subscription_tokens -> subscribers (subscriber_id));
diesel::joinable!(subscription_tokens -> subscriptions (subscription_id));
diesel::joinable!(subscriptions -> subscribers (subscriber_id));
diesel::joinable!(user_sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    changes,
    deliveries,
    digest_entries,
    event_tags,
    item_identifiers,
    item_links,
    item_parties,
    item_tags,
    items,
    limit_attempts,
    milestone_reminders,
    milestones,
    proposals,
    revisions,
    settings,
    source_fetches,
    status_events,
    subscribers,
    subscription_tokens,
    subscriptions,
    tags,
    user_sessions,
    users,
);
