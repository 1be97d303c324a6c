//! Tracing setup: human-readable or JSON lines, filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber on standard output once per process; later calls are ignored
/// (tests call it from every test when `TEST_LOG` is set). Colours only when standard output is
/// a terminal: a log file or journald must not get escape codes.
pub fn init_tracing(json: bool) {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    init_tracing_to(json, std::io::stdout, terminal);
}

/// Installs the global subscriber writing to `writer`, with ANSI colours only when
/// `is_terminal` (the caller says whether that writer is one).
pub fn init_tracing_to<W>(json: bool, writer: W, is_terminal: bool)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if json {
        registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(writer),
            )
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_ansi(is_terminal).with_writer(writer))
            .try_init()
    };
}
