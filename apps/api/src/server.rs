//! Building and starting the HTTP server. The one entry point, [`start`], takes `Settings`,
//! binds any address (port 0 included) and hands back the bound address and a stop handle, so
//! `luffy serve`, our tests and other projects' harnesses all start the same server.

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::ServerHandle;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpMessage, HttpRequest, HttpServer};
use anyhow::Context;
use tokio::task::JoinHandle;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::edge;
use crate::error::ApiError;
use crate::limits::BODY_LIMIT;
use crate::metrics::record_metrics;
use crate::routes;
use crate::settings::Settings;
use crate::state::AppState;

/// The console's share of the state: the same services, the settings it reads.
fn console_state(state: &AppState) -> luffy_console::ConsoleState {
    luffy_console::ConsoleState {
        settings: luffy_console::ConsoleSettings {
            jwt_secret: state.settings.jwt_secret.clone(),
            secure_cookies: state.settings.environment == crate::settings::Environment::Production,
            timezone: state.settings.timezone.clone(),
        },
        timezone: state.timezone,
        sessions: luffy_store::RedisSessionData::new(
            state.redis.clone(),
            &state.settings.redis_prefix,
        ),
        login_attempts: luffy_store::RedisLoginAttempts::new(
            state.redis.clone(),
            &state.settings.redis_prefix,
            luffy_console::guard::LOGIN_WINDOW_SECS,
        ),
        catalog: state.catalog.clone(),
        taxonomy: state.taxonomy.clone(),
        catalog_admin: state.catalog_admin.clone(),
        uploads: state.uploads.clone(),
        users: state.users.clone(),
        audit: state.audit.clone(),
        coupons: state.coupons.clone(),
        orders: state.orders.clone(),
        refunds: state.refunds.clone(),
        jobs: state.jobs.clone(),
        reconciliations: state.reconciliations.clone(),
        home: state.home.clone(),
    }
}

/// A running server.
pub struct RunningServer {
    /// The address actually bound (the real port when 0 was asked).
    pub addr: SocketAddr,
    /// The state the server runs with (pools, settings), for embedding harnesses.
    pub state: AppState,
    handle: ServerHandle,
    task: JoinHandle<std::io::Result<()>>,
    worker: Option<crate::jobs::RunningWorker>,
}

impl RunningServer {
    /// Stops accepting, finishes in-flight requests (graceful) or drops them, stops the
    /// embedded worker, and waits.
    pub async fn stop(self, graceful: bool) -> anyhow::Result<()> {
        self.handle.stop(graceful).await;
        if let Some(worker) = self.worker {
            worker.stop().await;
        }
        self.task
            .await
            .context("server task panicked")?
            .context("server failed")
    }

    /// Waits until the server stops (signal or `stop` from another handle), then stops the
    /// embedded worker gracefully.
    pub async fn wait(self) -> anyhow::Result<()> {
        let result = self
            .task
            .await
            .context("server task panicked")?
            .context("server failed");
        if let Some(worker) = self.worker {
            worker.stop().await;
        }
        result
    }

    /// Takes the embedded worker out (tests stop or abort it themselves).
    pub fn take_worker(&mut self) -> Option<crate::jobs::RunningWorker> {
        self.worker.take()
    }

    /// A handle that can stop the server from elsewhere.
    pub fn handle(&self) -> ServerHandle {
        self.handle.clone()
    }

    /// A handle that can drain and then stop the server from elsewhere (see [`crate::drain`]).
    pub fn shutdown(&self) -> Shutdown {
        Shutdown {
            drain: self.state.drain.clone(),
            handle: self.handle.clone(),
            drain_for: std::time::Duration::from_secs(self.state.settings.shutdown_drain_secs),
        }
    }
}

/// Stops a running server: at once (SIGINT), or after draining (SIGTERM).
#[derive(Clone)]
pub struct Shutdown {
    drain: crate::drain::Drain,
    handle: ServerHandle,
    drain_for: std::time::Duration,
}

impl Shutdown {
    /// Fails readiness, keeps serving for the drain period, then stops accepting and finishes
    /// in-flight requests.
    pub async fn drain_then_stop(&self) {
        self.drain.start();
        tracing::info!(
            seconds = self.drain_for.as_secs(),
            "draining: /readyz answers 503 while requests are still served"
        );
        tokio::time::sleep(self.drain_for).await;
        self.stop().await;
    }

    /// Stops accepting and finishes in-flight requests (up to the shutdown timeout).
    pub async fn stop(&self) {
        tracing::info!("stopping: no new connections, finishing in-flight requests");
        self.handle.stop(true).await;
    }
}

fn json_error(error: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &error {
        JsonPayloadError::Overflow { limit } => ApiError::PayloadTooLarge { limit: *limit },
        JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { limit: *limit }
        }
        JsonPayloadError::ContentType => {
            ApiError::bad_request("请使用 Content-Type: application/json 提交!")
        }
        JsonPayloadError::Deserialize(cause) => {
            ApiError::bad_request(crate::dto::json::chinese_message("", cause))
        }
        _ => ApiError::bad_request("请求体读取失败!"),
    };
    api.into()
}

fn form_error(error: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    match error {
        UrlencodedError::Overflow { limit, .. } => ApiError::PayloadTooLarge { limit },
        other => ApiError::bad_request(format!("表单格式错误: {other}")),
    }
    .into()
}

fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    tracing::debug!(%error, "refused query string");
    ApiError::bad_request("查询参数格式错误!").into()
}

fn path_error(_error: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound("not found".into()).into()
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("not found".into()))
}

/// `/docs` and `/docs/` (trimmed to `/docs`) open the Swagger UI page.
async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Found()
        .insert_header((actix_web::http::header::LOCATION, "/docs/index.html"))
        .finish()
}

/// Echoes tracing-actix-web's request id as `x-request-id`, so a client can quote it.
async fn request_id_header(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut response = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

/// Binds `settings.listen` (port 0 allowed), fills an empty `public_url` from the bound
/// address, builds the app state and starts serving.
pub async fn start(mut settings: Settings) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(&settings.listen)
        .with_context(|| format!("binding {}", settings.listen))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    if settings.public_url.is_empty() {
        settings.public_url = format!("http://{addr}");
    }
    let state = AppState::build(settings)?;
    serve(state, listener, addr)
}

fn serve(
    state: AppState,
    listener: TcpListener,
    addr: SocketAddr,
) -> anyhow::Result<RunningServer> {
    let workers = state.settings.http_workers;
    let data = web::Data::new(state.clone());
    let origins = state.settings.cors_origin_list();
    let media_dir = state.settings.media_dir.clone();
    let console_state = console_state(&state);
    let mut server = HttpServer::new(move || {
        // Runs once on each worker thread: its requests get connections opened and driven
        // on this thread (`luffy_store::thread_pools`).
        luffy_store::pin_connections_to_this_thread();
        App::new()
            .app_data(data.clone())
            .app_data(web::Data::new(data.metrics.clone()))
            .app_data(
                web::JsonConfig::default()
                    .limit(BODY_LIMIT)
                    .error_handler(json_error),
            )
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .app_data(
                web::FormConfig::default()
                    .limit(BODY_LIMIT)
                    .error_handler(form_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .configure(routes::configure)
            .service(luffy_console::scope(&console_state))
            // Lesson media only through signed links (`routes::users::study::lesson_media`).
            .service(
                actix_files::Files::new("/uploads", media_dir.clone())
                    .path_filter(|path, _| !path.starts_with("lessons")),
            )
            // The API's description and its docs page (assets compiled in).
            .service(
                utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
                    .url("/openapi.json", crate::openapi::document()),
            )
            .route("/docs", web::get().to(docs_redirect))
            .configure(|cfg| {
                #[cfg(feature = "sandbox")]
                if let Some(sandbox) = data.sandbox.clone() {
                    cfg.service(
                        web::scope("/sandbox/alipay").configure(move |cfg| sandbox.configure(cfg)),
                    );
                }
                #[cfg(feature = "sandbox")]
                if let Some(sandbox) = data.wechat_sandbox.clone() {
                    cfg.service(
                        web::scope(crate::state::WECHAT_SANDBOX_MOUNT)
                            .configure(move |cfg| sandbox.configure(cfg)),
                    );
                }
                #[cfg(not(feature = "sandbox"))]
                let _ = cfg;
            })
            .default_service(web::to(not_found))
            .wrap(from_fn(edge::reject_control_characters))
            .wrap(from_fn(edge::staff_first))
            .wrap(from_fn(edge::errmsg_for_bare_errors))
            .wrap(from_fn(record_metrics))
            .wrap(from_fn(request_id_header))
            .wrap(TracingLogger::default())
            .wrap(edge::cors(&origins))
            .wrap(from_fn(edge::request_deadline))
            .wrap(from_fn(edge::close_connections_while_draining))
            // Outermost, so every middleware sees the path routing will see: the request
            // span's and the metrics' route lookups (`match_pattern`, which walks the routes
            // and runs each dynamic one's regex until one matches) find `/orders` first
            // instead of trying every route for `/orders/` and matching none.
            .wrap(crate::trim_slashes::TrimSlashes)
    })
    // Signals are ours (`luffy serve` drains on SIGTERM first); actix would stop accepting at
    // once.
    .disable_signals()
    .listen(listener)
    .context("listening")?
    .shutdown_timeout(10);
    if workers > 0 {
        server = server.workers(workers);
    }
    let server = server.run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    tracing::info!(%addr, "luffy API listening");
    let worker = state
        .settings
        .worker
        .then(|| crate::jobs::spawn_worker(&state));
    Ok(RunningServer {
        addr,
        state,
        handle,
        task,
        worker,
    })
}
