//! The operators' audit trail: every admin write leaves one entry per changed row, in the same
//! transaction; refusals leave none; the trail is staff-only and filterable.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn entries(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = app
        .get(&format!("/admin/audit/?size=100{query}"), token)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.json["results"].as_array().unwrap().clone()
}

async fn audit_rows(app: &TestApp) -> i64 {
    app.scalar("SELECT count(*)::bigint AS value FROM audit_log")
        .await
}

#[tokio::test]
async fn every_operator_write_is_audited_with_the_row_before_and_after() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let admin_id = app.user_id("admin").await;
    let luffy = app.user_id("luffy").await;
    let (_, mobile) = app.register_user().await;
    let other = app.user_id(&mobile).await;

    let coupon = app
        .json(
            Method::POST,
            "/admin/coupons/",
            &admin,
            json!({"name": "审计券", "discount": 1, "coupon_type": 0, "total": 5,
                   "start_time": "2020-01-01 00:00:00", "end_time": "2099-01-01 00:00:00",
                   "condition": 0, "sale": "-5"}),
        )
        .await;
    assert_eq!(coupon.status, StatusCode::CREATED, "{}", coupon.text);
    let coupon_id: i64 = coupon.json["coupon_id"].as_str().unwrap().parse().unwrap();
    let granted = app
        .json(
            Method::POST,
            &format!("/admin/coupons/{coupon_id}/grant/"),
            &admin,
            json!({"user_ids": [luffy, other]}),
        )
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text);
    let grant = granted.json["user_coupon_ids"][1].as_i64().unwrap();
    let revoked = app
        .send(app.authed(
            Method::DELETE,
            &format!("/admin/coupon-grants/{grant}/"),
            &admin,
        ))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    for (method, path, body) in [
        (
            Method::PUT,
            format!("/admin/users/{luffy}/credit/"),
            json!({"credit": 1234}),
        ),
        (
            Method::POST,
            format!("/admin/users/{luffy}/balance/"),
            json!({"amount": 100}),
        ),
        (
            Method::PATCH,
            format!("/admin/users/{other}/"),
            json!({"is_active": false}),
        ),
    ] {
        let response = app.json(method, &path, &admin, body).await;
        assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.text);
    }

    let trail = entries(&app, &admin, "").await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "user.state",
            "user.balance",
            "user.credit",
            "coupon_grant.revoke",
            "coupon.grant",
            "coupon.grant",
            "coupon.create"
        ],
        "newest first, one per changed row"
    );
    assert!(trail.iter().all(|e| e["actor_id"] == admin_id));
    let by = |action: &str| {
        trail
            .iter()
            .find(|e| e["action"] == action)
            .unwrap()
            .clone()
    };
    let created = by("coupon.create");
    assert_eq!(
        (created["entity"].clone(), created["entity_id"].clone()),
        (json!("coupon"), json!(coupon_id))
    );
    assert_eq!(created["before"], Value::Null);
    assert_eq!(created["after"]["name"], "审计券");
    let revoke = by("coupon_grant.revoke");
    assert_eq!(revoke["before"]["user_id"], other);
    assert_eq!(revoke["after"], Value::Null, "the grant row is gone");
    let credit = by("user.credit");
    assert_eq!(credit["before"]["credit"], 1000);
    assert_eq!(credit["after"]["credit"], 1234);
    let balance = by("user.balance");
    assert_eq!(balance["entity_id"], luffy);
    assert_ne!(balance["before"]["money"], balance["after"]["money"]);
    let state = by("user.state");
    assert_eq!(
        (
            state["before"]["is_active"].clone(),
            state["after"]["is_active"].clone()
        ),
        (json!(true), json!(false))
    );
    for entry in &trail {
        for side in ["before", "after"] {
            assert!(entry[side].get("password_hash").is_none(), "{entry}");
        }
    }

    // Filters.
    assert_eq!(entries(&app, &admin, "&entity=user").await.len(), 3);
    assert_eq!(
        entries(&app, &admin, &format!("&actor={admin_id}"))
            .await
            .len(),
        7
    );
    assert_eq!(
        entries(&app, &admin, &format!("&actor={luffy}"))
            .await
            .len(),
        0
    );
    assert_eq!(entries(&app, &admin, "&from=2099-01-01").await.len(), 0);
    assert_eq!(entries(&app, &admin, "&to=2000-01-01").await.len(), 0);
    assert_eq!(
        entries(&app, &admin, "&from=2000-01-01&to=2099-12-31")
            .await
            .len(),
        7
    );
    let paged = app.get("/admin/audit/?size=2&page=2", &admin).await;
    assert_eq!(paged.json["count"], 7);
    assert_eq!(paged.json["results"].as_array().unwrap().len(), 2);
    for bad in ["?actor=abc", "?from=yesterday", "?to=2026-13-01", "?size=0"] {
        let response = app.get(&format!("/admin/audit/{bad}"), &admin).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            response.text
        );
        assert!(!response.errmsg().is_empty());
    }
}

#[tokio::test]
async fn refused_writes_leave_no_entry_and_buyers_cannot_read_the_trail() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    let luffy = app.user_id("luffy").await;
    for (method, path, body) in [
        (
            Method::POST,
            "/admin/users/999999/balance/".to_owned(),
            json!({"amount": 5}),
        ),
        (
            Method::PUT,
            "/admin/users/999999/credit/".to_owned(),
            json!({"credit": 5}),
        ),
        (
            Method::PATCH,
            "/admin/users/999999/".to_owned(),
            json!({"is_active": false}),
        ),
        (
            Method::POST,
            "/admin/coupons/1/grant/".to_owned(),
            json!({"user_ids": [999999]}),
        ),
        (
            Method::POST,
            "/admin/coupons/999999/grant/".to_owned(),
            json!({"user_ids": [luffy]}),
        ),
        (
            Method::POST,
            format!("/admin/users/{luffy}/balance/"),
            json!({"amount": -5}),
        ),
    ] {
        let response = app.json(method, &path, &admin, body).await;
        assert!(
            response.status.is_client_error(),
            "{path}: {}",
            response.text
        );
    }
    let revoke_missing = app
        .send(app.authed(Method::DELETE, "/admin/coupon-grants/999999/", &admin))
        .await;
    assert_eq!(revoke_missing.status, StatusCode::NOT_FOUND);
    assert_eq!(audit_rows(&app).await, 0, "refusals leave no entry");

    let forbidden = app.get("/admin/audit/", &buyer).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.text
    );
    let anonymous = app.send(app.request(Method::GET, "/admin/audit/")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn operators_see_dead_jobs_and_send_them_again() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    app.sql(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts, status, attempts, last_error, updated_time)
         VALUES ('alipay_close', '{\"order_number\": \"N-dead\"}', now(), 3, 'dead', 3, 'gateway down', now())",
    )
    .await;
    let dead = app.get("/admin/jobs/dead/", &admin).await;
    assert_eq!(dead.status, StatusCode::OK, "{}", dead.text);
    assert_eq!(dead.json["count"], 1, "{}", dead.text);
    let job = &dead.json["results"][0];
    assert_eq!(job["kind"], "alipay_close");
    assert_eq!(job["payload"]["order_number"], "N-dead");
    assert_eq!(job["last_error"], "gateway down");
    let id = job["id"].as_i64().unwrap();

    let forbidden = app
        .send(app.authed(Method::POST, &format!("/admin/jobs/{id}/retry/"), &buyer))
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let retried = app
        .send(app.authed(Method::POST, &format!("/admin/jobs/{id}/retry/"), &admin))
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.text);
    // Pending with its attempts reset, or already picked up again by the test app's worker.
    let sent_again = app
        .scalar(&format!(
            "SELECT count(*)::bigint AS value FROM jobs WHERE id = {id}
             AND ((status = 'pending' AND attempts = 0) OR status IN ('running', 'done'))"
        ))
        .await;
    assert_eq!(sent_again, 1);
    let again = app
        .send(app.authed(Method::POST, &format!("/admin/jobs/{id}/retry/"), &admin))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let missing = app
        .send(app.authed(Method::POST, "/admin/jobs/999999/retry/", &admin))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    let trail = entries(&app, &admin, "&entity=job").await;
    assert_eq!(trail.len(), 1, "one audited retry");
    assert_eq!(trail[0]["action"], "job.retry");
    assert_eq!(trail[0]["before"]["status"], "dead");
    assert_eq!(trail[0]["after"]["status"], "pending");
    assert_eq!(trail[0]["after"]["attempts"], 0);

    // An order's dead timeout job cannot be sent again while a live one does its work.
    app.fill_cart(&buyer, &[1]).await;
    let order = app
        .json(Method::POST, "/orders/", &buyer, json!({"pay_type": 0}))
        .await;
    let order_id = order.json["id"].as_i64().unwrap();
    app.sql(&format!(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts, status, attempts, last_error, order_id)
         VALUES ('order_timeout', '{{\"order_id\": {order_id}}}', now(), 20, 'dead', 20, 'boom', {order_id})"
    ))
    .await;
    let dead_timeout = app
        .scalar(&format!(
            "SELECT id AS value FROM jobs WHERE order_id = {order_id} AND status = 'dead'"
        ))
        .await;
    let refused = app
        .send(app.authed(
            Method::POST,
            &format!("/admin/jobs/{dead_timeout}/retry/"),
            &admin,
        ))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(
        entries(&app, &admin, "&entity=job").await.len(),
        1,
        "refusals are not audited"
    );
}

#[tokio::test]
async fn operators_find_accounts_and_read_their_ledgers() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    let luffy = app.user_id("luffy").await;
    let found = app.get("/admin/users/?q=uff", &admin).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.json["count"], 1, "{}", found.text);
    let user = &found.json["results"][0];
    assert_eq!(user["username"], "luffy");
    assert!(user.get("password_hash").is_none());
    let by_mobile = app.get("/admin/users/?q=13800000001", &admin).await;
    assert_eq!(by_mobile.json["results"][0]["id"], luffy);
    // LIKE's wildcards are matched as text.
    assert_eq!(
        app.get("/admin/users/?q=%25", &admin).await.json["count"],
        0
    );
    assert_eq!(app.get("/admin/users/?q=_", &admin).await.json["count"], 0);
    let everyone = app.get("/admin/users/?size=1", &admin).await;
    assert!(everyone.json["count"].as_u64().unwrap() >= 2);
    assert_eq!(everyone.json["results"].as_array().unwrap().len(), 1);
    assert!(everyone.json["next"].as_str().unwrap().contains("page=2"));

    let top_up = app
        .json(
            Method::POST,
            &format!("/admin/users/{luffy}/balance/"),
            &admin,
            json!({"amount": 12.5, "remark": "活动奖励"}),
        )
        .await;
    assert_eq!(top_up.status, StatusCode::OK, "{}", top_up.text);
    let balance = app
        .get(
            &format!("/admin/users/{luffy}/ledger/?kind=balance"),
            &admin,
        )
        .await;
    assert_eq!(balance.status, StatusCode::OK, "{}", balance.text);
    let newest = &balance.json["results"][0];
    assert_eq!(newest["change"], 12.5);
    assert_eq!(newest["remark"], "活动奖励");
    assert_eq!(newest["get_operation_display"], "充值");
    let points = app
        .get(&format!("/admin/users/{luffy}/ledger/"), &admin)
        .await;
    assert_eq!(points.status, StatusCode::OK, "{}", points.text);
    let rows = points.json["results"].as_array().unwrap();
    let sum: f64 = rows.iter().map(|r| r["change"].as_f64().unwrap()).sum();
    assert_eq!(sum, 1000.0, "the demo user's points are their ledger's sum");

    for (path, status) in [
        (
            "/admin/users/999999/ledger/".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/admin/users/{luffy}/ledger/?kind=coins"),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("/admin/users/?q={}", "x".repeat(65)),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/admin/users/?size=1000".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let response = app.get(&path, &admin).await;
        assert_eq!(response.status, status, "{path}: {}", response.text);
    }
    assert_eq!(
        app.get("/admin/users/", &buyer).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/admin/users/{luffy}/ledger/"), &buyer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn operators_list_change_and_switch_off_coupons() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    let luffy = app.user_id("luffy").await;

    // The demo user's 30元通用优惠券 (grant 1) reserved by an unpaid order.
    app.fill_cart(&buyer, &[1]).await;
    let order = app
        .json(
            Method::POST,
            "/orders/",
            &buyer,
            json!({"pay_type": 0, "user_coupon_id": 1}),
        )
        .await;
    assert_eq!(order.status, StatusCode::CREATED, "{}", order.text);
    let coupon_id = app
        .scalar("SELECT coupon_id AS value FROM coupon_logs WHERE id = 1")
        .await;

    let list = app.get("/admin/coupons/?size=100", &admin).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let item = list.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == coupon_id)
        .unwrap()
        .clone();
    assert_eq!(item["is_enabled"], true);
    assert!(item["granted"].as_i64().unwrap() >= 1);
    assert_eq!(item["reserved"], 1, "{item}");
    let grants = app
        .get(&format!("/admin/coupons/{coupon_id}/grants/"), &admin)
        .await;
    assert_eq!(grants.status, StatusCode::OK, "{}", grants.text);
    let grant = grants.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == 1)
        .unwrap();
    assert_eq!(grant["user_id"], luffy);
    assert_eq!(grant["username"], "luffy");
    assert_eq!(grant["order_id"], order.json["id"]);

    // Changes: refused ones change nothing and leave no audit entry.
    let patch = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.json(
                Method::PATCH,
                &format!("/admin/coupons/{coupon_id}/"),
                &admin,
                body,
            )
            .await
        }
    };
    for bad in [
        json!({}),
        json!({"name": ""}),
        json!({"per_limit": 0}),
        json!({"total": -1}),
        json!({"total": 0}),
        json!({"start_time": "2099-01-01 00:00:00"}),
        json!({"end_time": "not a time"}),
    ] {
        let refused = patch(bad.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            refused.text
        );
        assert!(!refused.errmsg().is_empty());
    }
    assert_eq!(
        entries(&app, &admin, "&entity=coupon").await.len(),
        0,
        "refusals are not audited"
    );
    let renamed = patch(json!({"name": "通用券(改)", "per_limit": 2})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.json["name"], "通用券(改)");
    assert_eq!(renamed.json["per_limit"], 2);

    // Switched off: no new use, claim or grant; the grants stay.
    let (holder, mobile) = app.register_user().await;
    let holder_id = app.user_id(&mobile).await;
    let granted = app
        .json(
            Method::POST,
            &format!("/admin/coupons/{coupon_id}/grant/"),
            &admin,
            json!({"user_ids": [holder_id]}),
        )
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text);
    let id_text = coupon_id.to_string();
    let offered = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["coupon_id"].as_str() == Some(id_text.as_str()))
    };
    assert!(
        offered(&app.get("/coupon/", &holder).await.json),
        "offered while on"
    );
    let off = patch(json!({"is_enabled": false})).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(off.json["is_enabled"], false);
    assert!(
        !offered(&app.get("/coupon/", &holder).await.json),
        "a switched-off coupon is not offered"
    );
    let grant_refused = app
        .json(
            Method::POST,
            &format!("/admin/coupons/{coupon_id}/grant/"),
            &admin,
            json!({"user_ids": [luffy]}),
        )
        .await;
    assert_eq!(
        grant_refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        grant_refused.text
    );
    assert_eq!(grant_refused.errmsg(), "优惠券已停用!");
    let trail = entries(&app, &admin, "&entity=coupon").await;
    assert_eq!(
        trail.len(),
        2,
        "two coupon changes (grants are audited as coupon_grant)"
    );
    assert_eq!(trail[0]["action"], "coupon.update");
    assert_eq!(trail[0]["before"]["is_enabled"], true);
    assert_eq!(trail[0]["after"]["is_enabled"], false);

    for (path, status) in [
        ("/admin/coupons/999999/grants/", StatusCode::NOT_FOUND),
        ("/admin/coupons/?size=0", StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(app.get(path, &admin).await.status, status, "{path}");
    }
    let missing = app
        .json(
            Method::PATCH,
            "/admin/coupons/999999/",
            &admin,
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/admin/coupons/", &buyer).await.status,
        StatusCode::FORBIDDEN
    );
    luffy_e2e::assert_invariants(&app.database.url).await;
}

#[tokio::test]
async fn operators_search_export_and_read_orders_with_their_timeline() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    let luffy = app.user_id("luffy").await;
    let (other, _) = app.register_user().await;

    // luffy: one order cancelled, one paid from the balance; the other buyer: one unpaid.
    app.fill_cart(&buyer, &[1]).await;
    let cancelled = app
        .json(Method::POST, "/orders/", &buyer, json!({"pay_type": 0}))
        .await;
    let cancelled_id = cancelled.json["id"].as_i64().unwrap();
    app.send(app.authed(Method::PUT, &format!("/orders/{cancelled_id}/"), &buyer))
        .await;
    app.fill_cart(&buyer, &[2]).await;
    let paid = app
        .json(Method::POST, "/orders/", &buyer, json!({"pay_type": 2}))
        .await;
    let paid_id = paid.json["id"].as_i64().unwrap();
    let number = paid.json["order_number"].as_str().unwrap().to_owned();
    let pay = app
        .send(app.authed(
            Method::POST,
            &format!("/payments/balance/{number}/"),
            &buyer,
        ))
        .await;
    assert_eq!(pay.status, StatusCode::OK, "{}", pay.text);
    app.fill_cart(&other, &[3]).await;
    let unpaid = app
        .json(Method::POST, "/orders/", &other, json!({"pay_type": 0}))
        .await;
    let unpaid_id = unpaid.json["id"].as_i64().unwrap();

    let ids = |page: &Value| -> Vec<i64> {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect()
    };
    let all = app.get("/admin/orders/", &admin).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(
        ids(&all.json),
        vec![unpaid_id, paid_id, cancelled_id],
        "newest first"
    );
    assert_eq!(all.json["results"][1]["user_id"], luffy);
    let mine = app
        .get(&format!("/admin/orders/?user={luffy}"), &admin)
        .await;
    assert_eq!(ids(&mine.json), vec![paid_id, cancelled_id]);
    let by_status = app.get("/admin/orders/?status=2", &admin).await;
    assert_eq!(ids(&by_status.json), vec![cancelled_id]);
    let by_pay_type = app.get("/admin/orders/?pay_type=2", &admin).await;
    assert_eq!(ids(&by_pay_type.json), vec![paid_id]);
    let by_number = app
        .get(&format!("/admin/orders/?number={}", &number[8..]), &admin)
        .await;
    assert_eq!(ids(&by_number.json), vec![paid_id]);
    let oldest = app
        .get("/admin/orders/?ordering=created_time&size=1", &admin)
        .await;
    assert_eq!(ids(&oldest.json), vec![cancelled_id]);
    assert!(oldest.json["next"]
        .as_str()
        .unwrap()
        .contains("ordering=created_time"));
    assert_eq!(
        app.get("/admin/orders/?from=2099-01-01", &admin).await.json["count"],
        0
    );
    assert_eq!(
        app.get("/admin/orders/?max=0.01", &admin).await.json["count"],
        0
    );
    for bad in [
        "?status=9",
        "?pay_type=x",
        "?user=-1",
        "?from=someday",
        "?min=-1",
        "?ordering=name",
        "?size=0",
    ] {
        let response = app.get(&format!("/admin/orders/{bad}"), &admin).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            response.text
        );
        assert!(!response.errmsg().is_empty());
    }

    let csv = app
        .send(app.authed(
            Method::GET,
            &format!("/admin/orders/export.csv?user={luffy}"),
            &admin,
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let rows: Vec<&str> = csv.text.lines().collect();
    assert_eq!(rows.len(), 3, "{}", csv.text);
    assert!(rows[0].starts_with("id,order_number,user_id"));
    assert!(
        rows[1].starts_with(&format!("{paid_id},{number},{luffy},1,已支付,余额")),
        "{}",
        rows[1]
    );

    let dossier = app.get(&format!("/admin/orders/{paid_id}/"), &admin).await;
    assert_eq!(dossier.status, StatusCode::OK, "{}", dossier.text);
    assert_eq!(dossier.json["username"], "luffy");
    assert_eq!(dossier.json["order_number"], number.as_str());
    assert_eq!(dossier.json["payments"][0]["channel"], "balance");
    let events: Vec<&str> = dossier.json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(events[0].starts_with("下单"), "{events:?}");
    assert!(
        events.iter().any(|e| e.starts_with("收到余额付款")),
        "{events:?}"
    );
    assert_eq!(events.last(), Some(&"支付成功,课程已开通"), "{events:?}");
    let cancelled = app
        .get(&format!("/admin/orders/{cancelled_id}/"), &admin)
        .await;
    let events = cancelled.json["timeline"].as_array().unwrap();
    assert_eq!(
        events.last().unwrap()["event"],
        "用户取消订单,优惠券和积分已退还"
    );
    assert!(cancelled.json["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|j| j["kind"] == "trade_close"));
    assert_eq!(
        app.get("/admin/orders/999999/", &admin).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/orders/", &buyer).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/admin/orders/{paid_id}/"), &buyer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn operators_keep_directions_and_categories() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;
    let buyer = app.login_demo().await;
    let directions = app.get("/admin/directions/", &admin).await;
    assert_eq!(directions.status, StatusCode::OK, "{}", directions.text);
    let before = directions.json.as_array().unwrap().len();

    let created = app
        .json(
            Method::POST,
            "/admin/directions/",
            &admin,
            json!({"name": " 人工智能 "}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["name"], "人工智能");
    let direction = created.json["id"].as_i64().unwrap();
    let duplicate = app
        .json(
            Method::POST,
            "/admin/directions/",
            &admin,
            json!({"name": "人工智能"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{}", duplicate.text);
    for bad in [
        json!({"name": ""}),
        json!({"name": "名".repeat(101)}),
        json!({}),
    ] {
        let refused = app
            .json(Method::POST, "/admin/directions/", &admin, bad.clone())
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            refused.text
        );
    }
    let renamed = app
        .json(
            Method::PATCH,
            &format!("/admin/directions/{direction}/"),
            &admin,
            json!({"name": "AI"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let missing = app
        .json(
            Method::PATCH,
            "/admin/directions/999999/",
            &admin,
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    assert_eq!(
        app.get("/admin/directions/", &admin)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        before + 1
    );

    let category = app
        .json(
            Method::POST,
            "/admin/categories/",
            &admin,
            json!({"name": "机器学习", "direction_id": direction}),
        )
        .await;
    assert_eq!(category.status, StatusCode::CREATED, "{}", category.text);
    let category_id = category.json["id"].as_i64().unwrap();
    let orphan = app
        .json(
            Method::POST,
            "/admin/categories/",
            &admin,
            json!({"name": "无方向", "direction_id": 999999}),
        )
        .await;
    assert_eq!(orphan.status, StatusCode::BAD_REQUEST, "{}", orphan.text);
    let listed = app
        .get(&format!("/admin/categories/?direction={direction}"), &admin)
        .await;
    assert_eq!(
        listed.json,
        json!([{"id": category_id, "name": "机器学习", "direction_id": direction}])
    );
    let moved = app
        .json(
            Method::PATCH,
            &format!("/admin/categories/{category_id}/"),
            &admin,
            json!({"direction_id": 1}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.json["direction_id"], 1);
    assert_eq!(moved.json["name"], "机器学习");
    let nothing = app
        .json(
            Method::PATCH,
            &format!("/admin/categories/{category_id}/"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST, "{}", nothing.text);
    // The public pages see the new direction.
    let public = app.get("/courses/directions/", &buyer).await;
    assert!(public.text.contains("AI"), "{}", public.text);

    let trail = entries(&app, &admin, "").await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "category.update",
            "category.create",
            "direction.update",
            "direction.create"
        ],
        "refusals leave nothing"
    );
    assert_eq!(trail[1]["after"]["name"], "机器学习");
    assert_eq!(trail[2]["before"]["name"], "人工智能");
    assert_eq!(
        app.get("/admin/directions/", &buyer).await.status,
        StatusCode::FORBIDDEN
    );
    let forbidden = app
        .json(
            Method::POST,
            "/admin/categories/",
            &buyer,
            json!({"name": "x", "direction_id": 1}),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}
