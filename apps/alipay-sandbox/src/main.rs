//! The sandbox as its own process: `luffy-alipay-sandbox` serves `/sandbox/alipay/...` on
//! `SANDBOX_LISTEN` (default 127.0.0.1:8001) with the keys in `LUFFY_KEYS_DIR` (default keys/).

use std::time::Duration;

use actix_web::{web, App, HttpServer};
use anyhow::Context;
use luffy_alipay_sandbox::{Sandbox, SandboxConfig};
use luffy_payment_alipay::keys::{parse_private_key, parse_public_key};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().init();
    let keys = std::env::var("LUFFY_KEYS_DIR").unwrap_or_else(|_| "keys".into());
    let listen = std::env::var("SANDBOX_LISTEN").unwrap_or_else(|_| "127.0.0.1:8001".into());
    let read = |name: &str| {
        let path = std::path::Path::new(&keys).join(name);
        std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (run `luffy keys`)", path.display()))
    };
    let sandbox = Sandbox::new(SandboxConfig {
        sandbox_private_key: parse_private_key(&read("sandbox_private_key.pem")?)?,
        app_public_key: parse_public_key(&read("app_public_key.pem")?)?,
        // The same default as `luffy serve`, so the two agree out of the box.
        app_id: std::env::var("LUFFY_ALIPAY_APP_ID").unwrap_or_else(|_| "2021000000000000".into()),
        seller_id: std::env::var("LUFFY_ALIPAY_SELLER_ID")
            .unwrap_or_else(|_| "2088000000000000".into()),
        notify_retry_delays: [1, 2, 4, 8, 16, 32].map(Duration::from_secs).to_vec(),
        // The standalone sandbox plays public-key mode; `luffy serve` runs the others.
        certificates: None,
        aes_key: None,
    })?;
    tracing::info!(%listen, "Alipay sandbox listening under /sandbox/alipay/");
    HttpServer::new(move || {
        let sandbox = sandbox.clone();
        App::new()
            .service(web::scope("/sandbox/alipay").configure(move |cfg| sandbox.configure(cfg)))
    })
    .bind(&listen)?
    .run()
    .await?;
    Ok(())
}
