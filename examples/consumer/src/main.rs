//! What another team does with luffy's crates, outside this repository: sign a page-pay link,
//! sign a simulated notify and verify it (a tampered one is refused), price a checkout with
//! points, and drive an order through create → pay with the pure lifecycle. It needs only the
//! two crates it names: every other type comes through their re-exports.

use std::time::Duration;

use luffy_order::chrono::{TimeZone, Utc};
use luffy_order::rust_decimal::Decimal;
use luffy_order::{
    price_checkout, Category, Course, CourseId, CourseType, CreditRate, Direction, PricingInput,
    UserId,
};
use luffy_payment_alipay::keys::{parse_private_key, parse_public_key};
use luffy_payment_alipay::{sign_callback, verify_notify, AlipayConfig, PagePay, TradeStatus};

/// The Alipay crate's own TEST-ONLY keys (never real ones).
const APP_PRIVATE: &str =
    include_str!("../../../crates/payment-alipay/tests/fixtures/alipay/keys/app_private_key.pem");
const GATEWAY_PRIVATE: &str = include_str!(
    "../../../crates/payment-alipay/tests/fixtures/alipay/keys/sandbox_private_key.pem"
);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Utc
        .with_ymd_and_hms(2026, 12, 2, 8, 0, 0)
        .single()
        .ok_or("a valid instant")?;
    let gateway_key = parse_private_key(GATEWAY_PRIVATE)?;
    let config = AlipayConfig {
        app_id: "2021000000000001".into(),
        gateway: "https://openapi.alipay.com/gateway.do".into(),
        app_private_key: parse_private_key(APP_PRIVATE)?,
        alipay_public_key: luffy_payment_alipay::rsa::RsaPublicKey::from(&gateway_key),
        cert_mode: None,
        aes_key: None,
        seller_id: None,
        notify_url: "https://shop.example/payments/alipay/notify/".into(),
        return_url: "https://shop.example/payments/alipay/result/".into(),
        timeout: Duration::from_secs(10),
    };

    // A course priced with 100 points (10 points = 1 yuan).
    let courses = [Course {
        id: CourseId(7),
        name: "数据结构与算法".into(),
        course_cover: String::new(),
        course_type: CourseType::Practical,
        price: Decimal::new(299, 0),
        credit: 100,
        direction: Direction {
            id: 2,
            name: "后端开发".into(),
        },
        category: Category {
            id: 4,
            name: "算法".into(),
            direction_id: 2,
        },
        is_show: true,
        is_deleted: false,
        promotions: Vec::new(),
    }];
    let quote = price_checkout(&PricingInput {
        user: UserId(1),
        courses: &courses,
        coupon: None,
        points: 100,
        balance: 1000,
        rate: CreditRate::new(10)?,
        now,
    })?;
    assert_eq!(quote.real_price, Decimal::new(289, 0));

    // The pay link for it, signed with the app's key.
    let pay = PagePay {
        out_trade_no: "202612020000000100000001".into(),
        total_amount: quote.real_price,
        subject: "路飞学城".into(),
        time_expire: now + luffy_order::chrono::Duration::minutes(15),
    };
    let url = pay.url(&config, now)?;
    assert!(url.contains("sign="), "{url}");

    // The gateway's notify, simulated and signed with its key; verified with its public key.
    let params: Vec<(String, String)> = [
        ("app_id", config.app_id.as_str()),
        ("out_trade_no", pay.out_trade_no.as_str()),
        ("trade_no", "2026120222001400000000000001"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", "289.00"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let signed = sign_callback(&params, &gateway_key)?;
    let notice = verify_notify(&signed, &config.alipay_public_key)?;
    assert_eq!(notice.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(notice.total_amount, quote.real_price);
    let mut tampered = signed.clone();
    for (key, value) in &mut tampered {
        if key == "total_amount" {
            *value = "0.01".into();
        }
    }
    assert!(verify_notify(&tampered, &config.alipay_public_key).is_err());
    // The app's own public key is not the gateway's: a notify signed by anyone else fails.
    let app_public = parse_public_key(&luffy_payment_alipay::keys::public_key_pem(
        &config.app_private_key,
    )?)?;
    assert!(verify_notify(&signed, &app_public).is_err());

    println!(
        "consumer example: priced {} yuan, signed a pay link, verified a notify, refused a tampered one",
        quote.real_price
    );
    Ok(())
}
