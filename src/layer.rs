use crate::config::Config;
use crate::iss::{Issuer, IssuerState};
use crate::matcher::{DiscoveryPaths, Or, StandardPaths};
use crate::plain::Core;
use crate::repair::{Placement, Repairer, Rule};
use crate::service::RepairMetadata;
use std::sync::Arc;
use tower_layer::Layer;

/// Layer that applies [`RepairMetadata`], which adds `"none"` to
/// `token_endpoint_auth_methods_supported` in the discovery documents that
/// the wrapped service serves, and leaves every other response alone.
///
/// ```
/// use oauth_metadata_repair::RepairMetadataLayer;
/// use tower::ServiceBuilder;
/// # let handler = tower::service_fn(|_: http::Request<()>| async {
/// #     Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(bytes::Bytes::new())))
/// # });
///
/// let service = ServiceBuilder::new()
///     .layer(RepairMetadataLayer::new())
///     .service(handler);
/// ```
#[derive(Debug, Clone)]
pub struct RepairMetadataLayer<M = StandardPaths> {
    config: Arc<Config>,
    paths: M,
}

impl Default for RepairMetadataLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl RepairMetadataLayer {
    /// The default: the standard discovery paths ([`StandardPaths`]), the
    /// default rule ([`Rule::token_endpoint_none`]), appending, a 64 KiB
    /// limit ([`DEFAULT_MAX_BODY_BYTES`](crate::DEFAULT_MAX_BODY_BYTES)), and `Cache-Control: no-transform`
    /// respected.
    #[must_use]
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config::new(Repairer::new())),
            paths: StandardPaths,
        }
    }
}

impl<S> RepairMetadata<S> {
    /// Wraps `inner` with the default settings ([`RepairMetadataLayer::new`]).
    pub fn new(inner: S) -> Self {
        RepairMetadataLayer::new().layer(inner)
    }

    /// The default layer; same as [`RepairMetadataLayer::new`].
    #[must_use]
    pub fn layer() -> RepairMetadataLayer {
        RepairMetadataLayer::new()
    }
}

impl<M> RepairMetadataLayer<M> {
    fn update(mut self, f: impl FnOnce(&mut Config)) -> Self {
        let config = Arc::make_mut(&mut self.config);
        f(config);
        config.refresh_suffix();
        self
    }

    /// Replaces the path matcher.
    ///
    /// The default is [`StandardPaths`].
    ///
    /// ```
    /// use oauth_metadata_repair::{DiscoveryPaths, RepairMetadataLayer, StandardPaths};
    ///
    /// // A server mounted under /auth.
    /// let layer = RepairMetadataLayer::new().paths(StandardPaths.under_prefix("/auth"));
    /// ```
    #[must_use]
    pub fn paths<N: DiscoveryPaths>(self, paths: N) -> RepairMetadataLayer<N> {
        RepairMetadataLayer {
            config: self.config,
            paths,
        }
    }

    /// Matches `paths` in addition to those already matched.
    ///
    /// ```
    /// use oauth_metadata_repair::RepairMetadataLayer;
    ///
    /// let layer = RepairMetadataLayer::new().also_paths("/oauth/metadata");
    /// ```
    #[must_use]
    pub fn also_paths<N: DiscoveryPaths>(self, paths: N) -> RepairMetadataLayer<Or<M, N>>
    where
        M: DiscoveryPaths,
    {
        RepairMetadataLayer {
            config: self.config,
            paths: self.paths.or(paths),
        }
    }

    /// The largest discovery body that is buffered for repair.
    ///
    /// The default is [`DEFAULT_MAX_BODY_BYTES`](crate::DEFAULT_MAX_BODY_BYTES) (64 KiB). A larger body,
    /// by `Content-Length` or as it streams, passes through unchanged: the
    /// bytes already read are replayed, then the rest is streamed.
    ///
    /// ```
    /// use oauth_metadata_repair::RepairMetadataLayer;
    ///
    /// let layer = RepairMetadataLayer::new().max_body_bytes(256 * 1024);
    /// ```
    #[must_use]
    pub fn max_body_bytes(self, limit: usize) -> Self {
        self.update(|c| c.max_body_bytes = limit)
    }

    /// Adds a rule to those already present.
    ///
    /// The default has one rule, [`Rule::token_endpoint_none`].
    ///
    /// ```
    /// use oauth_metadata_repair::{repair::Rule, RepairMetadataLayer};
    ///
    /// let layer = RepairMetadataLayer::new().rule(Rule::code_challenge_s256());
    /// ```
    #[must_use]
    pub fn rule(self, rule: Rule) -> Self {
        self.update(|c| c.repairer = c.repairer.clone().rule(rule))
    }

    /// Replaces every rule, the default one included.
    #[must_use]
    pub fn rules(self, rules: impl IntoIterator<Item = Rule>) -> Self {
        let rules: Vec<Rule> = rules.into_iter().collect();
        self.update(|c| c.repairer = c.repairer.clone().rules(rules))
    }

    /// Where a missing value goes in an existing array.
    ///
    /// The default is [`Placement::Append`], which keeps the upstream's
    /// order of preference.
    ///
    /// ```
    /// use oauth_metadata_repair::{repair::Placement, RepairMetadataLayer};
    ///
    /// let layer = RepairMetadataLayer::new().placement(Placement::Prepend);
    /// ```
    #[must_use]
    pub fn placement(self, placement: Placement) -> Self {
        self.update(|c| c.repairer = c.repairer.clone().placement(placement))
    }

    /// Leave documents that carry `signed_metadata` alone.
    ///
    /// The default is `false`: their plain members are repaired and the
    /// signed JWT is kept byte for byte.
    #[must_use]
    pub fn skip_signed_metadata(self, skip: bool) -> Self {
        self.update(|c| c.repairer = c.repairer.clone().skip_signed_metadata(skip))
    }

    /// Turns on the RFC 9207 `iss` repair: authorization responses get `iss`
    /// and the authorization-server metadata the layer repairs advertises
    /// `authorization_response_iss_parameter_supported: true`.
    ///
    /// The default is off. When on, a redirect (3xx) from any route whose
    /// `Location` query carries `state` and `code` or `error` and no `iss`
    /// gets `iss=<issuer>` appended ([`add_iss`](crate::iss::add_iss)); a
    /// document with an `issuer` that does not state the member gets it
    /// ([`Repairer::advertise_iss`](crate::repair::Repairer::advertise_iss)).
    /// Both happen or neither:
    ///
    /// - [`Issuer::learned`](crate::Issuer::learned): the issuer is the
    ///   `issuer` of the documents this layer repairs with the
    ///   advertisement; before one was seen, the first authorization
    ///   response waits while a clone of the wrapped service is asked for
    ///   `/.well-known/oauth-authorization-server`, then
    ///   `/.well-known/openid-configuration`. Never from a request header.
    /// - [`Issuer::configured`](crate::Issuer::configured): this issuer,
    ///   for a server whose metadata is elsewhere.
    ///
    /// Left alone: a `Location` that has `iss`, a server whose metadata
    /// already states `authorization_response_iss_parameter_supported` (its
    /// redirects too), redirects that are not authorization responses,
    /// non-redirects (`response_mode=form_post` included), and a learned
    /// layer that saw two different issuers: it stops adding `iss` rather
    /// than guess which one answered (configure the issuer, or put one layer
    /// in front of each issuer). With the `tracing` feature each `iss`
    /// added, and each authorization response left without one, is logged.
    ///
    /// ```
    /// use oauth_metadata_repair::{Issuer, RepairMetadataLayer};
    /// # use http_body_util::BodyExt;
    /// # use tower::{Layer, ServiceExt};
    /// # type Body = http_body_util::Full<bytes::Bytes>;
    ///
    /// let layer = RepairMetadataLayer::new().iss(Issuer::learned());
    /// let service = layer.layer(tower::service_fn(|req: http::Request<Body>| async move {
    ///     let res = match req.uri().path() {
    ///         "/.well-known/oauth-authorization-server" => http::Response::builder()
    ///             .header("content-type", "application/json")
    ///             .body(Body::from(r#"{"issuer":"http://127.0.0.1:8000/"}"#)),
    ///         _ => http::Response::builder()
    ///             .status(302)
    ///             .header("location", "http://127.0.0.1:3000/cb?code=c&state=s")
    ///             .body(Body::default()),
    ///     };
    ///     Ok::<_, std::convert::Infallible>(res.unwrap())
    /// }));
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// // A freshly started layer: the first redirect already carries iss.
    /// let req = http::Request::get("/authorize").body(Body::default()).unwrap();
    /// let res = service.clone().oneshot(req).await.unwrap();
    /// assert_eq!(
    ///     res.headers()["location"],
    ///     "http://127.0.0.1:3000/cb?code=c&state=s&iss=http%3A%2F%2F127.0.0.1%3A8000%2F"
    /// );
    /// let req = http::Request::get("/.well-known/oauth-authorization-server").body(Body::default()).unwrap();
    /// let doc = service.oneshot(req).await.unwrap().into_body().collect().await.unwrap().to_bytes();
    /// assert_eq!(
    ///     doc,
    ///     r#"{"issuer":"http://127.0.0.1:8000/","token_endpoint_auth_methods_supported":["client_secret_basic","none"],"authorization_response_iss_parameter_supported":true}"#
    /// );
    /// # });
    /// ```
    #[must_use]
    pub fn iss(self, issuer: Issuer) -> Self {
        self.update(|c| {
            c.repairer = c.repairer.clone().advertise_iss(true);
            c.iss = Some(IssuerState::new(issuer));
        })
    }

    /// Repair documents marked `Cache-Control: no-transform` too.
    ///
    /// The default is `false`: RFC 9110 §7.7 forbids an intermediary to
    /// transform them, so they pass through. Turn it on only when you own the
    /// origin and the marking is not meant for this layer.
    #[must_use]
    pub fn repair_no_transform(self, repair: bool) -> Self {
        self.update(|c| c.respect_no_transform = !repair)
    }
}

impl<M: Clone> RepairMetadataLayer<M> {
    /// The same settings as plain functions over bytes and header pairs,
    /// for another server interface; see [`plain`](crate::plain).
    ///
    /// ```
    /// let core = oauth_metadata_repair::RepairMetadataLayer::new().core();
    /// assert!(core.is_discovery("HEAD", "/.well-known/openid-configuration"));
    /// ```
    #[must_use]
    pub fn core(&self) -> Core<M> {
        Core::from_parts(Arc::clone(&self.config), self.paths.clone())
    }
}

impl<S, M: Clone> Layer<S> for RepairMetadataLayer<M> {
    type Service = RepairMetadata<S, M>;

    fn layer(&self, inner: S) -> Self::Service {
        RepairMetadata::from_parts(inner, Arc::clone(&self.config), self.paths.clone())
    }
}
