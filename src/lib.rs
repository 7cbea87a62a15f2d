//! Tower middleware that makes OAuth 2.1 / `OpenID` discovery documents admit
//! public clients: it adds `"none"` to `token_endpoint_auth_methods_supported`,
//! in place, and touches nothing else.
//!
//! Public OAuth 2.1 clients (native and CLI apps, MCP clients such as Claude
//! Code, Cursor or VS Code) register with `token_endpoint_auth_method: "none"`
//! and redeem codes with PKCE and no secret. Many authorization servers accept
//! them but advertise only `["client_secret_post", "client_secret_basic"]`, and
//! clients that believe the list (mcp-remote, strict clients) then fail to log
//! in. One `.layer(...)` call fixes the advertisement without touching the
//! server.
//!
//! ```
//! use axum::{routing::get, Router};
//! use oauth_metadata_repair::RepairMetadataLayer;
//! # use http_body_util::BodyExt;
//! # use tower::ServiceExt;
//!
//! let app = Router::new()
//!     .route(
//!         "/.well-known/oauth-authorization-server",
//!         get(|| async {
//!             ([("content-type", "application/json")],
//!              r#"{"issuer":"https://as.example","token_endpoint_auth_methods_supported":["client_secret_post"]}"#)
//!         }),
//!     )
//!     .layer(RepairMetadataLayer::new());
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! # let req = http::Request::get("/.well-known/oauth-authorization-server").body(axum::body::Body::empty()).unwrap();
//! # let body = app.oneshot(req).await.unwrap().into_body().collect().await.unwrap().to_bytes();
//! // GET /.well-known/oauth-authorization-server now answers
//! assert_eq!(
//!     body,
//!     r#"{"issuer":"https://as.example","token_endpoint_auth_methods_supported":["client_secret_post","none"]}"#
//! );
//! # });
//! ```
//!
//! # What is repaired
//!
//! `GET` and `HEAD` requests whose path is a standard discovery placement
//! ([`StandardPaths`]; replace or extend it with
//! [`RepairMetadataLayer::paths`]) and whose response is a `200` with a JSON
//! media type (or none), no content coding and no `Cache-Control:
//! no-transform`. In such a document the top-level
//! `token_endpoint_auth_methods_supported` array gets `"none"` appended;
//! when the field is absent it becomes `["client_secret_basic", "none"]`
//! (RFC 8414's default plus `"none"`); a single string counts as a
//! one-element list. More rules are in [`repair::Rule`].
//!
//! Opt-in, [`RepairMetadataLayer::iss`] adds the RFC 9207 `iss` parameter
//! to authorization responses (redirects from any route) and
//! `authorization_response_iss_parameter_supported: true` to the metadata,
//! with the issuer of the wrapped service's own metadata; the rules without
//! HTTP types are in [`iss`].
//!
//! The response's `Content-Length` is set, a strong or weak `ETag` is
//! replaced by a derived one (and mapped back on `If-None-Match`), and
//! digests of the old bytes are dropped. Every other header is kept.
//!
//! # What is left alone
//!
//! Every other request and response, byte for byte and streamed. On a
//! discovery path: anything that is not a `200`, compressed, not JSON, over
//! [`RepairMetadataLayer::max_body_bytes`], invalid JSON, not an object,
//! with a repeated top-level key, with an unexpected field shape, or already
//! compliant passes through exactly as the upstream sent it. A body error
//! reaches the caller as a body error after the bytes that came before it.
//!
//! # Limits
//!
//! A discovery document is held in memory to be repaired (up to the limit,
//! 64 KiB by default), so its response starts once the upstream finished
//! sending it. A `HEAD` on a discovery path is sent to the inner service as
//! a `GET`, so that its headers match the repaired `GET`.
//!
//! # Differences from a `serde_json` round trip
//!
//! Parsing into `serde_json::Value` and serialising again reorders keys,
//! respells numbers and escapes, and drops the whitespace; clients that
//! compare the `issuer` byte for byte or verify `signed_metadata` can break.
//! This crate reads the document with `serde_json` too, but keeps each
//! top-level value as a [`RawValue`](https://docs.rs/serde_json/latest/serde_json/value/struct.RawValue.html),
//! a slice of the input, and inserts the missing element in place: the
//! output is the input plus the inserted bytes, with the upstream's own
//! separator and indentation. What `serde_json` refuses is left alone.
//!
//! # Other server interfaces
//!
//! [`plain`] gives the same rules over bytes and header pairs, for an
//! adapter to another server interface; the ASGI middleware
//! `oauth-metadata-repair-asgi` is one, and the layer itself calls them.
//!
//! # Feature flags
//!
//! - `tracing`: one `INFO` event per repaired document and one `DEBUG`
//!   event, with the reason, for each discovery response left alone; with
//!   the `iss` repair, one `INFO` event per `iss` added and one `WARN` per
//!   authorization response left without it.
//!
//! The `oauth-metadata-repair` reverse proxy and checker are a separate
//! crate, `oauth-metadata-repair-cli`, so this one pulls in no runtime, TLS
//! or command-line parser. The manual (the proxy, `check`, compatibility with
//! real MCP clients, performance, guarantees) is the book in the repository's
//! `docs/`, and the README is its front door.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod cache;
mod config;
mod future;
mod headers;
pub mod iss;
mod layer;
mod matcher;
pub mod plain;
mod redirect;
pub mod repair;
mod service;
mod trace;

pub use body::ResponseBody;
pub use config::DEFAULT_MAX_BODY_BYTES;
pub use future::ResponseFuture;
pub use iss::Issuer;
pub use layer::RepairMetadataLayer;
pub use matcher::{is_clean_path, DiscoveryPaths, Or, StandardPaths, UnderPrefix};
pub use service::RepairMetadata;
