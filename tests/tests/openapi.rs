//! The API describes itself (issue 11): `/openapi.json` is a valid OpenAPI 3.1 document, and
//! real responses of the API match the schemas it declares for them.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, TestApp, TestResponse};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The validator of the JSON the document declares for `method path` answering `status`.
fn validator(doc: &Value, method: &str, path: &str, status: &str) -> jsonschema::Validator {
    let declared = &doc["paths"][path][method]["responses"][status];
    assert!(
        !declared.is_null(),
        "{method} {path} answered {status}, which the document does not declare"
    );
    let schema = declared["content"]["application/json"]["schema"].clone();
    assert!(
        !schema.is_null(),
        "{method} {path} {status} has no JSON schema"
    );
    let mut root = schema;
    root["components"] = doc["components"].clone();
    jsonschema::validator_for(&root)
        .unwrap_or_else(|e| panic!("schema of {method} {path} {status} does not compile: {e}"))
}

/// Validates a response against the schema the document declares for it.
fn check(doc: &Value, method: &str, path: &str, response: &TestResponse) {
    let status = response.status.as_u16().to_string();
    let validator = validator(doc, method, path, &status);
    let errors: Vec<String> = validator
        .iter_errors(&response.json)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status} does not match its schema: {errors:?}\n{}",
        response.text
    );
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> TestResponse {
    match token {
        Some(token) => app.get(path, token).await,
        None => app.send(app.request(Method::GET, path)).await,
    }
}

#[tokio::test]
async fn openapi_json_is_a_valid_openapi_3_1_document() {
    let app = spawn_app().await;
    let response = app.send(app.request(Method::GET, "/openapi.json")).await;
    assert_eq!(response.status, StatusCode::OK);
    let meta: Value =
        serde_json::from_str(include_str!("../fixtures/openapi/oas-3.1-schema.json")).unwrap();
    let validator = jsonschema::validator_for(&meta).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&response.json)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(response.json["openapi"]
        .as_str()
        .unwrap()
        .starts_with("3.1."));
    // A document that breaks the schema is caught (the check can fail).
    let mut broken = response.json.clone();
    broken["paths"]["/cart"]["get"]["responses"] = json!("none");
    assert!(!validator.is_valid(&broken));
    // /docs opens the docs page.
    let docs = app.send(app.request(Method::GET, "/docs/")).await;
    assert_eq!(docs.status, StatusCode::FOUND);
    let page = app.send(app.request(Method::GET, "/docs/index.html")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_responses_match_their_schemas() {
    let app = spawn_app().await;
    let doc = app
        .send(app.request(Method::GET, "/openapi.json"))
        .await
        .json;
    let token = app.login_demo().await;
    let staff = app.login("admin", "admin12345").await;
    // The check can fail: wrong types and missing fields are caught.
    let login = validator(&doc, "post", "/users/login", "200");
    assert!(login.is_valid(&json!({"token": "t", "cart_total": 0})));
    assert!(!login.is_valid(&json!({"token": 5, "cart_total": 0})));
    assert!(!login.is_valid(&json!({"cart_total": 0})));
    let course = validator(&doc, "get", "/courses/{id}", "200");
    assert!(!course.is_valid(&json!({"id": 1, "name": "x", "price": "398.00"})));

    for (path, template, auth) in [
        ("/healthz", "/healthz", None),
        ("/readyz", "/readyz", None),
        ("/users/me/", "/users/me", Some(&token)),
        ("/courses/", "/courses", None),
        ("/courses/directions/", "/courses/directions", None),
        (
            "/courses/categories/1/",
            "/courses/categories/{direction}",
            None,
        ),
        (
            "/courses/0/0/?ordering=-students",
            "/courses/{direction}/{category}",
            None,
        ),
        ("/courses/3/", "/courses/{id}", None),
        ("/courses/1/", "/courses/{id}", None),
        ("/courses/3/chapters/", "/courses/{id}/chapters", None),
        ("/courses/999/", "/courses/{id}", None),
        ("/coupon/", "/coupon", Some(&token)),
        ("/orders/pay/choices/", "/orders/pay/choices", None),
        ("/orders/pay/status/", "/orders/pay/status", None),
        ("/admin/jobs/", "/admin/jobs", Some(&staff)),
        ("/admin/jobs/", "/admin/jobs", Some(&token)),
        ("/admin/jobs/dead/", "/admin/jobs/dead", Some(&staff)),
        ("/admin/users/?q=luffy", "/admin/users", Some(&staff)),
        ("/admin/coupons/", "/admin/coupons", Some(&staff)),
        ("/admin/orders/", "/admin/orders", Some(&staff)),
        ("/admin/directions/", "/admin/directions", Some(&staff)),
        (
            "/admin/categories/?direction=1",
            "/admin/categories",
            Some(&staff),
        ),
        ("/admin/orders/999999/", "/admin/orders/{id}", Some(&staff)),
        (
            "/admin/coupons/1/grants/",
            "/admin/coupons/{id}/grants",
            Some(&staff),
        ),
        (
            "/admin/users/1/ledger/",
            "/admin/users/{id}/ledger",
            Some(&staff),
        ),
        (
            "/admin/users/1/ledger/?kind=balance",
            "/admin/users/{id}/ledger",
            Some(&staff),
        ),
        (
            "/admin/users/999999/ledger/",
            "/admin/users/{id}/ledger",
            Some(&staff),
        ),
        ("/users/me/", "/users/me", None),
    ] {
        let response = get(&app, path, auth.map(String::as_str)).await;
        check(&doc, "get", template, &response);
    }

    // Login and register.
    let login = app
        .send(
            app.request(Method::POST, "/users/login/")
                .json(&json!({"username": "luffy", "password": "luffy12345"})),
        )
        .await;
    check(&doc, "post", "/users/login", &login);
    let bad_login = app
        .send(
            app.request(Method::POST, "/users/login/")
                .json(&json!({"username": "luffy", "password": "nope1234"})),
        )
        .await;
    check(&doc, "post", "/users/login", &bad_login);

    // The cart and the checkout page.
    let added = app
        .json(Method::POST, "/cart/", &token, json!({"course_id": 1}))
        .await;
    check(&doc, "post", "/cart", &added);
    app.fill_cart(&token, &[3]).await;
    check(&doc, "get", "/cart", &app.get("/cart/", &token).await);
    check(
        &doc,
        "get",
        "/cart/order",
        &app.get("/cart/order/", &token).await,
    );
    check(
        &doc,
        "get",
        "/cart/select",
        &app.get("/cart/select/", &token).await,
    );
    check(
        &doc,
        "get",
        "/coupon/enable",
        &app.get("/coupon/enable/", &token).await,
    );
    check(
        &doc,
        "get",
        "/coupon/user",
        &app.get("/coupon/user/", &token).await,
    );
    let toggled = app
        .json(
            Method::PATCH,
            "/cart/",
            &token,
            json!({"course_id": 3, "selected": false}),
        )
        .await;
    check(&doc, "patch", "/cart", &toggled);
    let all = app
        .json(Method::PUT, "/cart/", &token, json!({"selected": true}))
        .await;
    check(&doc, "put", "/cart", &all);
    let removed = app
        .send(app.authed(Method::DELETE, "/cart/?course_id=3", &token))
        .await;
    check(&doc, "delete", "/cart", &removed);

    // Quote, order, orders, pay link, cancel.
    let body = json!({"pay_type": 0, "user_coupon_id": 3, "credit": 0});
    check(
        &doc,
        "post",
        "/orders/quote",
        &app.json(Method::POST, "/orders/quote/", &token, body.clone())
            .await,
    );
    let created = app.json(Method::POST, "/orders/", &token, body).await;
    check(&doc, "post", "/orders", &created);
    let number = created.json["order_number"].as_str().unwrap().to_owned();
    let id = created.json["id"].as_i64().unwrap();
    check(
        &doc,
        "get",
        "/orders/list",
        &app.get("/orders/list/", &token).await,
    );
    check(
        &doc,
        "get",
        "/orders/{id}",
        &app.get(&format!("/orders/{id}/"), &token).await,
    );
    let link = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    check(&doc, "get", "/payments/alipay/{order_number}", &link);
    let cancelled = app
        .send(app.authed(Method::PUT, &format!("/orders/{id}/"), &token))
        .await;
    check(&doc, "put", "/orders/{id}", &cancelled);
    check(
        &doc,
        "get",
        "/orders/{id}",
        &app.get(&format!("/orders/{id}/"), &token).await,
    );
    let again = app
        .send(app.authed(Method::PUT, &format!("/orders/{id}/"), &token))
        .await;
    check(&doc, "put", "/orders/{id}", &again);
    let rebuy = app
        .json(
            Method::POST,
            &format!("/orders/{id}/rebuy/"),
            &token,
            json!({}),
        )
        .await;
    check(&doc, "post", "/orders/{id}/rebuy", &rebuy);
    let hidden = app
        .send(app.authed(Method::DELETE, &format!("/orders/{id}/"), &token))
        .await;
    check(&doc, "delete", "/orders/{id}", &hidden);
    let cart = app.get("/cart/", &token).await.json["cart"].clone();
    for line in cart.as_array().unwrap() {
        let course = line["id"].as_i64().unwrap();
        app.send(app.authed(
            Method::DELETE,
            &format!("/cart/?course_id={course}"),
            &token,
        ))
        .await;
    }

    // Pay through the sandbox; the return's JSON; balance payment.
    app.fill_cart(&token, &[2]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 0}))
        .await;
    let number = created.json["order_number"].as_str().unwrap().to_owned();
    let link = app
        .get(&format!("/payments/alipay/{number}/"), &token)
        .await;
    app.client
        .get(link.json["link"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let return_url = app.press_pay(&number).await;
    let result = app.send(app.client.get(&return_url)).await;
    check(&doc, "get", "/payments/alipay/result", &result);
    check(
        &doc,
        "get",
        "/payments/alipay/query/{order_number}",
        &app.get(&format!("/payments/alipay/query/{number}/"), &token)
            .await,
    );
    app.fill_cart(&token, &[7]).await;
    let created = app
        .json(Method::POST, "/orders/", &token, json!({"pay_type": 2}))
        .await;
    let number = created.json["order_number"].as_str().unwrap().to_owned();
    let paid = app
        .send(app.authed(
            Method::POST,
            &format!("/payments/balance/{number}/"),
            &token,
        ))
        .await;
    check(&doc, "post", "/payments/balance/{order_number}", &paid);

    // Refunds: the buyer's request, list and refusals; the operators' queue, refund and
    // review answers.
    let balance_order = created.json["id"].as_i64().unwrap();
    let refund = app
        .json(
            Method::POST,
            &format!("/orders/{balance_order}/refund/"),
            &token,
            json!({"reason": "文档"}),
        )
        .await;
    assert_eq!(refund.status, StatusCode::CREATED, "{}", refund.text);
    check(&doc, "post", "/orders/{id}/refund", &refund);
    check(
        &doc,
        "post",
        "/orders/{id}/refund",
        &app.json(
            Method::POST,
            &format!("/orders/{balance_order}/refund/"),
            &token,
            json!({"course_ids": [-3]}),
        )
        .await,
    );
    check(
        &doc,
        "get",
        "/orders/{id}/refunds",
        &app.get(&format!("/orders/{balance_order}/refunds/"), &token)
            .await,
    );
    check(
        &doc,
        "get",
        "/orders/{id}",
        &app.get(&format!("/orders/{balance_order}/"), &token).await,
    );
    let refund_id = refund.json["id"].as_i64().unwrap();
    check(
        &doc,
        "delete",
        "/orders/{id}/refunds/{refund_id}",
        &app.send(app.authed(
            Method::DELETE,
            &format!("/orders/{balance_order}/refunds/{refund_id}/"),
            &token,
        ))
        .await,
    );

    // Operators.
    let coupon = app
        .json(
            Method::POST,
            "/admin/coupons/",
            &staff,
            json!({"name": "新人券", "discount": 1, "coupon_type": 0, "total": 10,
                   "start_time": "2026-01-01 00:00:00", "end_time": "2030-01-01 00:00:00",
                   "sale": "-10", "get_type": 1}),
        )
        .await;
    check(&doc, "post", "/admin/coupons", &coupon);
    let coupon_id = coupon.json["coupon_id"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    let user = app.user_id("luffy").await;
    let granted = app
        .json(
            Method::POST,
            &format!("/admin/coupons/{coupon_id}/grant/"),
            &staff,
            json!({"user_ids": [user]}),
        )
        .await;
    check(&doc, "post", "/admin/coupons/{id}/grant", &granted);
    let grant = granted.json["user_coupon_ids"][0].as_i64().unwrap();
    let revoked = app
        .send(app.authed(
            Method::DELETE,
            &format!("/admin/coupon-grants/{grant}/"),
            &staff,
        ))
        .await;
    check(&doc, "delete", "/admin/coupon-grants/{id}", &revoked);
    let claimed = app
        .json(
            Method::POST,
            "/coupon/claim/",
            &token,
            json!({"coupon_id": coupon_id}),
        )
        .await;
    check(&doc, "post", "/coupon/claim", &claimed);
    check(
        &doc,
        "put",
        "/admin/users/{id}/credit",
        &app.json(
            Method::PUT,
            &format!("/admin/users/{user}/credit/"),
            &staff,
            json!({"credit": 10}),
        )
        .await,
    );
    check(
        &doc,
        "post",
        "/admin/users/{id}/balance",
        &app.json(
            Method::POST,
            &format!("/admin/users/{user}/balance/"),
            &staff,
            json!({"amount": 5}),
        )
        .await,
    );
    check(
        &doc,
        "patch",
        "/admin/users/{id}",
        &app.json(
            Method::PATCH,
            &format!("/admin/users/{user}/"),
            &staff,
            json!({"is_active": true}),
        )
        .await,
    );
    check(
        &doc,
        "get",
        "/admin/refunds",
        &app.get("/admin/refunds/?status=refunded", &staff).await,
    );
    check(
        &doc,
        "post",
        "/admin/refunds/{id}/approve",
        &app.send(app.authed(
            Method::POST,
            &format!("/admin/refunds/{refund_id}/approve/"),
            &staff,
        ))
        .await,
    );
    check(
        &doc,
        "post",
        "/admin/refunds/{id}/reject",
        &app.json(
            Method::POST,
            &format!("/admin/refunds/{refund_id}/reject/"),
            &staff,
            json!({"reason": "文档"}),
        )
        .await,
    );
    check(
        &doc,
        "post",
        "/admin/orders/{id}/refund",
        &app.json(
            Method::POST,
            "/admin/orders/999999/refund/",
            &staff,
            json!({}),
        )
        .await,
    );
    // The catalog back office.
    let teacher = app
        .json(
            Method::POST,
            "/admin/teachers/",
            &staff,
            json!({"name": "文档讲师"}),
        )
        .await;
    check(&doc, "post", "/admin/teachers", &teacher);
    check(
        &doc,
        "get",
        "/admin/teachers",
        &app.get("/admin/teachers/", &staff).await,
    );
    let course = app
        .json(
            Method::POST,
            "/admin/courses/",
            &staff,
            json!({"name": "文档课程", "direction_id": 1, "category_id": 1, "price": 10}),
        )
        .await;
    check(&doc, "post", "/admin/courses", &course);
    let course_id = course.json["id"].as_i64().unwrap();
    check(
        &doc,
        "get",
        "/admin/courses",
        &app.get("/admin/courses/", &staff).await,
    );
    check(
        &doc,
        "patch",
        "/admin/courses/{id}",
        &app.json(
            Method::PATCH,
            &format!("/admin/courses/{course_id}/"),
            &staff,
            json!({"level": 2}),
        )
        .await,
    );
    let chapter = app
        .json(
            Method::POST,
            &format!("/admin/courses/{course_id}/chapters/"),
            &staff,
            json!({"name": "第一章"}),
        )
        .await;
    check(&doc, "post", "/admin/courses/{id}/chapters", &chapter);
    let chapter_id = chapter.json["id"].as_i64().unwrap();
    check(
        &doc,
        "post",
        "/admin/chapters/{id}/lessons",
        &app.json(
            Method::POST,
            &format!("/admin/chapters/{chapter_id}/lessons/"),
            &staff,
            json!({"name": "第一课"}),
        )
        .await,
    );
    check(
        &doc,
        "get",
        "/admin/courses/{id}/chapters",
        &app.get(&format!("/admin/courses/{course_id}/chapters/"), &staff)
            .await,
    );
    let promotion = app
        .json(
            Method::POST,
            "/admin/promotions/",
            &staff,
            json!({"name": "文档活动", "sale": "0", "start_time": "2020-01-01 00:00:00",
                   "end_time": "2099-01-01 00:00:00", "course_ids": [course_id]}),
        )
        .await;
    check(&doc, "post", "/admin/promotions", &promotion);
    check(
        &doc,
        "get",
        "/admin/promotions",
        &app.get("/admin/promotions/", &staff).await,
    );
    check(
        &doc,
        "patch",
        "/admin/promotions/{id}",
        &app.json(
            Method::PATCH,
            "/admin/promotions/999999/",
            &staff,
            json!({"name": "x"}),
        )
        .await,
    );
    let audit = app.get("/admin/audit/?size=50", &staff).await;
    assert!(audit.json["count"].as_u64().unwrap() >= 5, "{}", audit.text);
    check(&doc, "get", "/admin/audit", &audit);
    check(
        &doc,
        "get",
        "/admin/audit",
        &app.get("/admin/audit/?from=someday", &staff).await,
    );
    check(
        &doc,
        "patch",
        "/admin/users/{id}",
        &app.json(
            Method::PATCH,
            "/admin/users/999999/",
            &staff,
            json!({"is_active": true}),
        )
        .await,
    );
}
