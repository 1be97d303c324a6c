//! The luffy HTTP API as a library: [`server::start`] builds and starts the server
//! from [`settings::Settings`] on any address, so tests and other projects can embed it.
//! The `luffy` binary (`main.rs`) only parses the command line and calls into here.

pub mod auth;
pub mod business_metrics;
pub mod channels;
pub mod commands;
pub mod drain;
pub mod edge;
pub mod jobs;
pub mod metrics;
pub mod openapi;
pub mod replica_metrics;
pub mod routes;
pub mod server;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod trim_slashes;

pub use luffy_web::{dto, error, limits};

pub use error::ApiError;
pub use server::{start, RunningServer};
pub use settings::Settings;
pub use state::AppState;
