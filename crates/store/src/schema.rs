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
        course_video -> Varchar,
        description -> Text,
        level -> Int2,
        students -> Int4,
        lessons -> Int4,
        teacher_id -> Nullable<Int8>,
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
        chapter_id -> Nullable<Int8>,
        lesson_id -> Nullable<Int8>,
        study_time -> Int8,
        updated_time -> Timestamptz,
    }
}

diesel::table! {
    money_ledger (id) {
        id -> Int8,
        user_id -> Int8,
        operation -> Int2,
        amount -> Numeric,
        order_id -> Nullable<Int8>,
        remark -> Varchar,
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

diesel::table! {
    coupons (id) {
        id -> Int8,
        name -> Varchar,
        discount -> Int2,
        coupon_type -> Int2,
        total -> Int4,
        has_total -> Int4,
        start_time -> Timestamptz,
        end_time -> Timestamptz,
        get_type -> Int2,
        condition -> Int4,
        per_limit -> Int4,
        sale -> Varchar,
        created_time -> Timestamptz,
        updated_time -> Timestamptz,
        is_enabled -> Bool,
    }
}

diesel::table! {
    coupon_directions (id) {
        id -> Int8,
        coupon_id -> Int8,
        direction_id -> Int8,
    }
}

diesel::table! {
    coupon_categories (id) {
        id -> Int8,
        coupon_id -> Int8,
        category_id -> Int8,
    }
}

diesel::table! {
    coupon_courses (id) {
        id -> Int8,
        coupon_id -> Int8,
        course_id -> Int8,
    }
}

diesel::table! {
    orders (id) {
        id -> Int8,
        name -> Varchar,
        user_id -> Int8,
        order_number -> Varchar,
        order_status -> Int2,
        pay_type -> Int2,
        total_price -> Numeric,
        real_price -> Numeric,
        credit -> Int4,
        order_desc -> Text,
        pay_time -> Nullable<Timestamptz>,
        trade_no -> Nullable<Varchar>,
        expires_at -> Timestamptz,
        idempotency_key -> Nullable<Varchar>,
        request_hash -> Nullable<Varchar>,
        created_time -> Timestamptz,
        updated_time -> Timestamptz,
        pay_link_at -> Nullable<Timestamptz>,
        coupon_log_id -> Nullable<Int8>,
        hidden_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    order_details (id) {
        id -> Int8,
        order_id -> Int8,
        course_id -> Int8,
        name -> Varchar,
        price -> Numeric,
        real_price -> Numeric,
        discount_name -> Varchar,
        coupon_discount -> Numeric,
    }
}

diesel::table! {
    coupon_logs (id) {
        id -> Int8,
        user_id -> Int8,
        coupon_id -> Int8,
        order_id -> Nullable<Int8>,
        name -> Varchar,
        use_time -> Nullable<Timestamptz>,
        use_status -> Int2,
        created_time -> Timestamptz,
    }
}

diesel::joinable!(coupon_directions -> coupons (coupon_id));
diesel::joinable!(coupon_directions -> course_directions (direction_id));
diesel::joinable!(coupon_categories -> coupons (coupon_id));
diesel::joinable!(coupon_categories -> course_categories (category_id));
diesel::joinable!(coupon_courses -> coupons (coupon_id));
diesel::joinable!(coupon_courses -> courses (course_id));
diesel::joinable!(orders -> users (user_id));
diesel::joinable!(order_details -> orders (order_id));
diesel::joinable!(order_details -> courses (course_id));
diesel::joinable!(coupon_logs -> coupons (coupon_id));
diesel::joinable!(coupon_logs -> users (user_id));
diesel::joinable!(coupon_logs -> orders (order_id));
diesel::joinable!(credit_ledger -> orders (order_id));

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
    coupons,
    coupon_directions,
    coupon_categories,
    coupon_courses,
    orders,
    order_details,
    coupon_logs,
);

diesel::table! {
    payments (id) {
        id -> Int8,
        order_id -> Int8,
        channel -> Varchar,
        trade_no -> Varchar,
        amount -> Numeric,
        status -> Varchar,
        payload -> Text,
        refund_request_no -> Nullable<Varchar>,
        created_time -> Timestamptz,
        updated_time -> Timestamptz,
    }
}

diesel::joinable!(payments -> orders (order_id));
diesel::allow_tables_to_appear_in_same_query!(payments, orders);

diesel::table! {
    jobs (id) {
        id -> Int8,
        kind -> Varchar,
        payload -> Text,
        run_at -> Timestamptz,
        attempts -> Int4,
        max_attempts -> Int4,
        status -> Varchar,
        locked_by -> Nullable<Varchar>,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        order_id -> Nullable<Int8>,
        created_time -> Timestamptz,
        updated_time -> Timestamptz,
    }
}

diesel::joinable!(jobs -> orders (order_id));
diesel::allow_tables_to_appear_in_same_query!(jobs, orders);

diesel::table! {
    teachers (id) {
        id -> Int8,
        name -> Varchar,
        avatar -> Varchar,
        title -> Varchar,
        role -> Int2,
        brief -> Text,
        is_show -> Bool,
        is_deleted -> Bool,
    }
}

diesel::table! {
    course_chapters (id) {
        id -> Int8,
        course_id -> Int8,
        orders -> Int4,
        name -> Varchar,
        summary -> Text,
        is_show -> Bool,
    }
}

diesel::table! {
    course_lessons (id) {
        id -> Int8,
        chapter_id -> Int8,
        course_id -> Int8,
        orders -> Int4,
        name -> Varchar,
        duration -> Varchar,
        free_trail -> Bool,
        is_show -> Bool,
        lesson_type -> Int2,
        media -> Varchar,
    }
}
