use crate::config::Config;
use crate::future::ResponseFuture;
use crate::headers::{is_get_or_head, prepare_request};
use crate::matcher::{DiscoveryPaths, StandardPaths};
use crate::redirect::IssPlan;
use http::{Request, Response};
use http_body::Body;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;

/// Middleware that repairs OAuth / `OpenID` discovery documents served by the
/// inner service; see [`RepairMetadataLayer`](crate::RepairMetadataLayer) for what it does and how to
/// configure it.
///
/// Every other request goes to the inner service as it came, and every other
/// response comes back as the inner service made it, streamed.
///
/// The inner service is `Clone` and its request body `Default` (as for
/// tower-http's `FollowRedirect`): with the `iss` repair on and no issuer
/// known yet, a clone asks the service for its own metadata with an empty
/// `GET`.
#[derive(Debug, Clone)]
pub struct RepairMetadata<S, M = StandardPaths> {
    inner: S,
    config: Arc<Config>,
    paths: M,
}

impl<S, M> RepairMetadata<S, M> {
    pub(crate) fn from_parts(inner: S, config: Arc<Config>, paths: M) -> Self {
        Self {
            inner,
            config,
            paths,
        }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, M, ReqBody, ResBody> Service<Request<ReqBody>> for RepairMetadata<S, M>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    M: DiscoveryPaths,
    ResBody: Body,
    ReqBody: Default,
{
    type Response = Response<crate::ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S, ReqBody>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let discovery =
            is_get_or_head(req.method().as_str()) && self.paths.is_discovery(req.uri().path());
        if !discovery {
            let iss = self.config.iss.as_ref().map(|state| IssPlan {
                config: Arc::clone(&self.config),
                learner: state.is_unknown().then(|| self.inner.clone()),
            });
            return ResponseFuture::passthrough(self.inner.call(req), iss);
        }
        let plan = prepare_request(&mut req, &self.config.etag_suffix);
        ResponseFuture::discovery(self.inner.call(req), Arc::clone(&self.config), plan)
    }
}
