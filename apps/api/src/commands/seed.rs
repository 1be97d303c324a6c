//! `luffy seed`: the demo data of SPEC 5 (idempotent).

use luffy_store::seed::{seed_demo, DemoUser, SeedReport};

use crate::auth::password::hash_password;
use crate::state::AppState;

/// The demo buyer: `luffy` / `luffy12345` with 1000 points and a 2000元 balance.
pub const DEMO_USER: (&str, &str, &str) = ("luffy", "13800000001", "luffy12345");
/// The demo operator: `admin` / `admin12345`.
pub const DEMO_STAFF: (&str, &str, &str) = ("admin", "13800000000", "admin12345");

/// Loads the demo catalog, creates the demo accounts that do not exist yet, and draws the
/// demo covers and avatars that are missing under `LUFFY_MEDIA_DIR`.
pub async fn seed(state: &AppState) -> anyhow::Result<SeedReport> {
    let users = vec![
        DemoUser {
            username: DEMO_USER.0.into(),
            mobile: DEMO_USER.1.into(),
            password_hash: hash_password(DEMO_USER.2.into()).await?,
            is_staff: false,
            credit: 1000,
            money: rust_decimal::Decimal::from(2000),
        },
        DemoUser {
            username: DEMO_STAFF.0.into(),
            mobile: DEMO_STAFF.1.into(),
            password_hash: hash_password(DEMO_STAFF.2.into()).await?,
            is_staff: true,
            credit: 0,
            money: rust_decimal::Decimal::ZERO,
        },
    ];
    let report = seed_demo(&state.pg, &users).await?;
    let media_dir = state.settings.media_dir.clone();
    let written =
        tokio::task::spawn_blocking(move || super::demo_images::write_demo_images(&media_dir))
            .await??;
    for path in written {
        tracing::info!(path = %path.display(), "wrote demo image");
    }
    Ok(report)
}
