//! Diesel table definitions, kept in step with `migrations/` by hand.
#![allow(missing_docs)]

diesel::table! {
    users (id) {
        id -> Int8,
        username -> Varchar,
        mobile -> Varchar,
        password_hash -> Text,
        money -> Numeric,
        credit -> Int4,
        is_staff -> Bool,
        is_active -> Bool,
        created_time -> Timestamptz,
        updated_time -> Timestamptz,
    }
}

diesel::table! {
    course_directions (id) {
        id -> Int8,
        name -> Varchar,
    }
}

diesel::table! {
    course_categories (id) {
        id -> Int8,
        name -> Varchar,
        direction_id -> Int8,
    }
}

diesel::table! {
    courses (id) {
        id -> Int8,
        name -> Varchar,
        course_cover -> Varchar,
        course_type -> Int2,
        price -> Numeric,
        credit -> Int4,
        direction_id -> Int8,
        category_id -> Int8,
        is_show -> Bool,
        is_deleted -> Bool,
        created_time -> Timestamptz,
        updated_time -> Timestamptz,
    }
}

diesel::table! {
    discount_types (id) {
        id -> Int8,
        name -> Varchar,
        remark -> Varchar,
    }
}

diesel::table! {
    discounts (id) {
        id -> Int8,
        discount_type_id -> Int8,
        condition -> Int4,
        sale -> Varchar,
    }
}

diesel::table! {
    activities (id) {
        id -> Int8,
        name -> Varchar,
        start_time -> Timestamptz,
        end_time -> Timestamptz,
    }
}

diesel::table! {
    course_activity_prices (id) {
        id -> Int8,
        activity_id -> Int8,
        course_id -> Int8,
        discount_id -> Int8,
    }
}

diesel::table! {
    user_courses (id) {
        id -> Int8,
        user_id -> Int8,
        course_id -> Int8,
        created_time -> Timestamptz,
    }
}

diesel::table! {
    credit_ledger (id) {
        id -> Int8,
        user_id -> Int8,
        operation -> Int2,
        number -> Int4,
        order_id -> Nullable<Int8>,
        remark -> Varchar,
        created_time -> Timestamptz,
    }
}

diesel::joinable!(course_categories -> course_directions (direction_id));
diesel::joinable!(courses -> course_directions (direction_id));
diesel::joinable!(courses -> course_categories (category_id));
diesel::joinable!(discounts -> discount_types (discount_type_id));
diesel::joinable!(course_activity_prices -> activities (activity_id));
diesel::joinable!(course_activity_prices -> courses (course_id));
diesel::joinable!(course_activity_prices -> discounts (discount_id));
diesel::joinable!(user_courses -> users (user_id));
diesel::joinable!(user_courses -> courses (course_id));
diesel::joinable!(credit_ledger -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    course_directions,
    course_categories,
    courses,
    discount_types,
    discounts,
    activities,
    course_activity_prices,
    user_courses,
    credit_ledger,
);
