//! Path normalization before routing: trailing slashes trimmed and repeated slashes merged,
//! so `/orders/` (the tutorial client's spelling) and `/orders` reach one route. actix-web's
//! `NormalizePath` does the same with a regex on every request, a measurable share of the
//! order path's CPU; nearly every path needs at most a trim, found with two byte checks.

use std::future::{ready, Ready};

use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform, Url};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::Error;

/// The path as routing should see it, or None when it already is.
pub fn normalized(path: &str) -> Option<String> {
    if path.is_empty() || (!path.ends_with('/') && !path.contains("//")) {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    let mut after_slash = false;
    for c in path.trim_end_matches('/').chars() {
        if c == '/' && after_slash {
            continue;
        }
        after_slash = c == '/';
        out.push(c);
    }
    if out.is_empty() {
        out.push('/');
    }
    (out != path).then_some(out)
}

/// The middleware (wrap it outermost of the routing-related ones).
#[derive(Debug, Clone, Copy, Default)]
pub struct TrimSlashes;

impl<S, B> Transform<S, ServiceRequest> for TrimSlashes
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = TrimSlashesService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(TrimSlashesService { service }))
    }
}

/// [`TrimSlashes`] around the app.
pub struct TrimSlashesService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for TrimSlashesService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = S::Future;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        if let Some(path) = normalized(req.path()) {
            let mut parts = req.head().uri.clone().into_parts();
            let path_and_query = match parts.path_and_query.as_ref().and_then(|pq| pq.query()) {
                Some(query) => format!("{path}?{query}"),
                None => path,
            };
            // A path made only of the original's characters, minus slashes, stays valid.
            if let Ok(path_and_query) = PathAndQuery::try_from(path_and_query) {
                parts.path_and_query = Some(path_and_query);
                if let Ok(uri) = Uri::from_parts(parts) {
                    // Nothing is matched yet, so the match info has no positions to move.
                    req.match_info_mut()
                        .update_with_reindex(Url::new(uri.clone()), |_| 0);
                    req.head_mut().uri = uri;
                }
            }
        }
        self.service.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::normalized;
    use actix_web::test::{call_and_read_body, init_service, TestRequest};
    use actix_web::{web, App, HttpResponse};

    #[test]
    fn trims_and_merges_like_actix_trim() {
        assert_eq!(normalized("/orders"), None);
        assert_eq!(normalized("/"), None);
        assert_eq!(normalized(""), None);
        assert_eq!(normalized("/orders/").as_deref(), Some("/orders"));
        assert_eq!(normalized("/orders///").as_deref(), Some("/orders"));
        assert_eq!(normalized("//a//b/c/").as_deref(), Some("/a/b/c"));
        assert_eq!(normalized("///").as_deref(), Some("/"));
        assert_eq!(normalized("/课程//详情/").as_deref(), Some("/课程/详情"));
    }

    #[actix_web::test]
    async fn routes_see_the_normalized_path_and_keep_the_query() {
        let app = init_service(
            App::new()
                .route(
                    "/users/{id}",
                    web::get().to(
                        |id: web::Path<String>, q: web::Query<Vec<(String, String)>>| async move {
                            HttpResponse::Ok().body(format!(
                                "{}|{:?}",
                                id.into_inner(),
                                q.into_inner()
                            ))
                        },
                    ),
                )
                .wrap(super::TrimSlashes),
        )
        .await;
        for uri in ["/users/7/?page=2", "//users//7?page=2", "/users/7?page=2"] {
            let req = TestRequest::get().uri(uri).to_request();
            let body = call_and_read_body(&app, req).await;
            assert_eq!(body, "7|[(\"page\", \"2\")]", "{uri}");
        }
    }
}
