//! The home page: the header and footer menus and the banner carousel as the tutorial's
//! client reads them, and the operators' changes (checked, audited, switchable).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use luffy_e2e::{spawn_app, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use luffy_e2e::TINY_PNG as PNG;

async fn public(app: &TestApp, path: &str) -> luffy_e2e::TestResponse {
    app.send(app.request(Method::GET, path)).await
}

fn names(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn visitors_see_the_shown_menus_and_banners_in_order() {
    let app = spawn_app().await;
    let header = public(&app, "/nav/header/").await;
    assert_eq!(header.status, StatusCode::OK);
    assert_eq!(
        names(&header.json),
        vec!["免费课", "项目课", "学位课", "习题库", "路飞学城"]
    );
    assert_eq!(header.json[1]["link"], "/project");
    assert_eq!(header.json[1]["is_http"], false);
    assert_eq!(header.json[4]["is_http"], true);
    assert!(header.headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let footer = public(&app, "/nav/footer").await;
    assert_eq!(
        names(&footer.json),
        vec!["关于我们", "联系我们", "帮助中心"]
    );
    let banners = public(&app, "/banner/").await;
    assert_eq!(banners.json.as_array().unwrap().len(), 3);
    let image = banners.json[0]["image"].as_str().unwrap();
    assert!(image.starts_with("http://"), "absolute: {image}");
    let picture = app.client.get(image).send().await.unwrap();
    assert_eq!(picture.status(), StatusCode::OK);
    assert_eq!(&picture.bytes().await.unwrap()[..4], b"\x89PNG");
}

#[tokio::test]
async fn operators_add_hide_and_reorder_with_checks_and_an_audit_trail() {
    let app = spawn_app().await;
    let admin = app.login("admin", "admin12345").await;

    // A new external header item, first in order.
    let created = app
        .json(
            Method::POST,
            "/admin/navs/",
            &admin,
            json!({"name": "实战营", "link": "https://camp.example.com/", "is_http": true, "position": 0, "orders": 0}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().unwrap();
    assert_eq!(names(&public(&app, "/nav/header").await.json)[0], "实战营");

    // Hidden: gone for visitors, still listed for operators.
    let hidden = app
        .json(
            Method::PATCH,
            &format!("/admin/navs/{id}/"),
            &admin,
            json!({"is_show": false}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.text);
    assert!(!names(&public(&app, "/nav/header").await.json).contains(&"实战营".to_owned()));
    assert!(names(&app.get("/admin/navs/", &admin).await.json).contains(&"实战营".to_owned()));

    // At most seven header items.
    for n in 0..4 {
        let extra = app
            .json(Method::POST, "/admin/navs/", &admin, json!({"name": format!("栏目{n}"), "link": format!("/c{n}"), "position": 0, "orders": 10 + n}))
            .await;
        assert_eq!(extra.status, StatusCode::CREATED);
    }
    assert_eq!(
        public(&app, "/nav/header")
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        7
    );

    // Refused: links that are not what is_http says, a missing name, a bad position, unknown ids.
    for (body, field) in [
        (
            json!({"name": "x", "link": "/in-app", "is_http": true, "position": 0}),
            "链接",
        ),
        (
            json!({"name": "x", "link": "//evil.example.com", "position": 0}),
            "链接",
        ),
        (
            json!({"name": "x", "link": "javascript:alert(1)", "position": 0}),
            "链接",
        ),
        (json!({"link": "/x", "position": 0}), "name"),
        (
            json!({"name": "x", "link": "/x", "position": 3}),
            "position",
        ),
        (
            json!({"name": "x", "link": "/x", "position": 0, "colour": "red"}),
            "colour",
        ),
    ] {
        let refused = app
            .json(Method::POST, "/admin/navs/", &admin, body.clone())
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            refused.errmsg().contains(field),
            "{body}: {}",
            refused.errmsg()
        );
    }
    assert_eq!(
        app.json(
            Method::PATCH,
            "/admin/navs/99999/",
            &admin,
            json!({"orders": 1})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.json(
            Method::PATCH,
            &format!("/admin/navs/{id}/"),
            &admin,
            json!({})
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    let buyer = app.login_demo().await;
    assert_eq!(
        app.json(
            Method::POST,
            "/admin/navs/",
            &buyer,
            json!({"name": "x", "link": "/x", "position": 0})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // A banner needs a picture uploaded as a banner.
    let upload = app
        .send(
            app.authed(Method::POST, "/admin/uploads/banner/", &admin)
                .header("Content-Type", "image/png")
                .body(PNG.to_vec()),
        )
        .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.text);
    let path = upload.json["path"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/uploads/banner/"), "{path}");
    let refused = app
        .json(Method::POST, "/admin/banners/", &admin, json!({"name": "新课", "image": "/uploads/course/cover/vue3.png", "link": "/project/3"}))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let banner = app
        .json(Method::POST, "/admin/banners/", &admin, json!({"name": "新课", "image": path, "link": "/project/3", "orders": 0, "note": "双十二"}))
        .await;
    assert_eq!(banner.status, StatusCode::CREATED, "{}", banner.text);
    let shown = public(&app, "/banner").await;
    assert_eq!(names(&shown.json)[0], "新课");
    let banner_id = banner.json["id"].as_i64().unwrap();
    let moved = app
        .json(
            Method::PATCH,
            &format!("/admin/banners/{banner_id}/"),
            &admin,
            json!({"orders": 99}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK);
    assert_eq!(
        names(&public(&app, "/banner").await.json).last().unwrap(),
        "新课"
    );

    // Every change left an audit entry with the row before and after.
    let audited = app
        .scalar("SELECT count(*)::bigint AS value FROM audit_log WHERE entity IN ('nav', 'banner')")
        .await;
    assert_eq!(
        audited, 8,
        "5 menu items created and 1 changed, a banner created and changed"
    );
    let change = app
        .scalar(&format!(
            "SELECT count(*)::bigint AS value FROM audit_log WHERE entity = 'nav' AND entity_id = {id}
             AND action = 'nav.update' AND (before ->> 'is_show')::bool AND NOT (after ->> 'is_show')::bool"
        ))
        .await;
    assert_eq!(change, 1);
}

#[tokio::test]
async fn the_console_edits_menus_and_banners_with_the_same_checks() {
    use luffy_e2e::api_client::csrf_field;
    use reqwest::header::COOKIE;
    let app = spawn_app().await;
    let (_, cookie) = app.console_login("admin", "admin12345").await;
    let page = app
        .client
        .get(format!("{}/console/home", app.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("项目课") && html.contains("/uploads/banner/demo-1.png"),
        "{html}"
    );
    let token = csrf_field(&html);

    // A menu item: added, then refused with a bad link (shown on the page).
    let post = |path: &str, form: Vec<(&str, &str)>| {
        app.client
            .post(format!("{}{path}", app.base))
            .header(COOKIE, &cookie)
            .form(&form)
            .send()
    };
    let added = post(
        "/console/navs",
        vec![
            ("csrf", &token),
            ("name", "训练营"),
            ("link", "/camp"),
            ("position", "1"),
            ("orders", "0"),
            ("is_show", "on"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(names(&public(&app, "/nav/footer").await.json)[0], "训练营");
    let refused = post(
        "/console/navs",
        vec![
            ("csrf", &token),
            ("name", "坏链接"),
            ("link", "https://x.example.com"),
            ("position", "0"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("链接无效"));
    let forged = post(
        "/console/navs",
        vec![
            ("csrf", "forged"),
            ("name", "x"),
            ("link", "/x"),
            ("position", "0"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // A banner from a picture uploaded in the form.
    let mut body = Vec::new();
    for (field, value) in [
        ("csrf", token.as_str()),
        ("name", "控制台轮播"),
        ("link", "/project/2"),
        ("orders", "0"),
        ("is_show", "on"),
    ] {
        body.extend_from_slice(
            format!("--XBOUNDARY\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        b"--XBOUNDARY\r\nContent-Disposition: form-data; name=\"picture\"; filename=\"b.png\"\r\nContent-Type: image/png\r\n\r\n",
    );
    body.extend_from_slice(PNG);
    body.extend_from_slice(b"\r\n--XBOUNDARY--\r\n");
    let banner = app
        .client
        .post(format!("{}/console/banners", app.base))
        .header(COOKIE, &cookie)
        .header("Content-Type", "multipart/form-data; boundary=XBOUNDARY")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(banner.status(), StatusCode::SEE_OTHER);
    let shown = public(&app, "/banner").await;
    assert_eq!(names(&shown.json)[0], "控制台轮播");
    assert!(shown.json[0]["image"]
        .as_str()
        .unwrap()
        .contains("/uploads/banner/"));
    assert_eq!(
        app.scalar(
            "SELECT count(*)::bigint AS value FROM audit_log WHERE entity IN ('nav', 'banner')"
        )
        .await,
        2
    );
}
