//! The recorded answer, served again through the library's layer.

use super::super::client::Answer;
use super::super::flags::Layer;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use std::convert::Infallible;
use tower::{service_fn, Layer as _, ServiceExt};

/// The bytes `layer` serves for a `GET` of `path` when the service behind
/// it answers as `answer` did (status, headers, body); `None` when `path`
/// is not a request target.
pub async fn served(layer: &Layer, path: &str, answer: &Answer) -> Option<Bytes> {
    let request = Request::get(path).body(()).ok()?;
    let (status, headers, body) = (answer.status, answer.headers.clone(), answer.body.clone());
    let inner = service_fn(move |_: Request<()>| {
        let mut response = Response::new(Full::new(body.clone()));
        *response.status_mut() = status;
        *response.headers_mut() = headers.clone();
        async move { Ok::<_, Infallible>(response) }
    });
    let response = match layer.layer(inner).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    match response.into_body().collect().await {
        Ok(collected) => Some(collected.to_bytes()),
        Err(never) => match never {},
    }
}
