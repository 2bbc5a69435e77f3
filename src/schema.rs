// @generated automatically by Diesel CLI.

diesel::table! {
    item_identifiers (id) {
        id -> Int4,
        item_id -> Int4,
        position -> Int4,
        value -> Text,
    }
}

diesel::table! {
    item_links (id) {
        id -> Int4,
        from_item_id -> Int4,
        to_item_id -> Int4,
        relation -> Text,
        created_by -> Nullable<Int4>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    item_parties (id) {
        id -> Int4,
        item_id -> Int4,
        position -> Int4,
        name -> Text,
    }
}

diesel::table! {
    item_tags (item_id, tag_id) {
        item_id -> Int4,
        tag_id -> Int4,
    }
}

diesel::table! {
    items (id) {
        id -> Int4,
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
        version -> Int4,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    revisions (id) {
        id -> Int4,
        item_id -> Int4,
        user_id -> Nullable<Int4>,
        item_version -> Int4,
        action -> Text,
        diff -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    status_events (id) {
        id -> Int4,
        item_id -> Int4,
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
        created_by -> Nullable<Int4>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> Int4,
        name -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Int4,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::joinable!(item_identifiers -> items (item_id));
diesel::joinable!(item_links -> users (created_by));
diesel::joinable!(item_parties -> items (item_id));
diesel::joinable!(item_tags -> items (item_id));
diesel::joinable!(item_tags -> tags (tag_id));
diesel::joinable!(revisions -> items (item_id));
diesel::joinable!(revisions -> users (user_id));
diesel::joinable!(status_events -> items (item_id));
diesel::joinable!(status_events -> users (created_by));

diesel::allow_tables_to_appear_in_same_query!(
    item_identifiers,
    item_links,
    item_parties,
    item_tags,
    items,
    revisions,
    settings,
    status_events,
    tags,
    users,
);
