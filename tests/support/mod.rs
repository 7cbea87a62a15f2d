//! Test bodies and services shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

pub mod layer;

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The broken document the MCP Python SDK serves (`build_metadata()`).
pub const MCP_SDK_DOC: &str = r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint":"http://127.0.0.1:8000/token","registration_endpoint":"http://127.0.0.1:8000/register","scopes_supported":["user"],"response_types_supported":["code"],"grant_types_supported":["authorization_code","refresh_token"],"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"],"code_challenge_methods_supported":["S256"]}"#;

pub const MCP_SDK_FIXED: &str = r#"{"issuer":"http://127.0.0.1:8000/","authorization_endpoint":"http://127.0.0.1:8000/authorize","token_endpoint":"http://127.0.0.1:8000/token","registration_endpoint":"http://127.0.0.1:8000/register","scopes_supported":["user"],"response_types_supported":["code"],"grant_types_supported":["authorization_code","refresh_token"],"token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic","none"],"code_challenge_methods_supported":["S256"]}"#;

#[derive(Debug)]
pub struct TestError(pub &'static str);

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for TestError {}

/// A body made of given chunks, optional trailers, an optional error after
/// `fail_after` chunks, and optionally pending for ever at the end.
#[derive(Debug, Default)]
pub struct ChunkedBody {
    chunks: VecDeque<Bytes>,
    trailers: Option<HeaderMap>,
    fail_after: Option<usize>,
    hang_at_end: bool,
    sent: usize,
    pub exact_hint: bool,
}

impl ChunkedBody {
    pub fn new<I, C>(chunks: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: Into<Bytes>,
    {
        Self {
            chunks: chunks.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// The document split into pieces of `size` bytes.
    pub fn split(doc: &[u8], size: usize) -> Self {
        Self::new(
            doc.chunks(size)
                .map(Bytes::copy_from_slice)
                .collect::<Vec<_>>(),
        )
    }

    pub fn trailers(mut self, t: HeaderMap) -> Self {
        self.trailers = Some(t);
        self
    }

    pub fn fail_after(mut self, n: usize) -> Self {
        self.fail_after = Some(n);
        self
    }

    pub fn hang_at_end(mut self) -> Self {
        self.hang_at_end = true;
        self
    }
}

impl Body for ChunkedBody {
    type Data = Bytes;
    type Error = TestError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TestError>>> {
        if self.fail_after == Some(self.sent) {
            self.fail_after = None;
            return Poll::Ready(Some(Err(TestError("upstream broke"))));
        }
        if let Some(c) = self.chunks.pop_front() {
            self.sent += 1;
            return Poll::Ready(Some(Ok(Frame::data(c))));
        }
        if let Some(t) = self.trailers.take() {
            return Poll::Ready(Some(Ok(Frame::trailers(t))));
        }
        if self.hang_at_end {
            return Poll::Pending;
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        !self.hang_at_end
            && self.chunks.is_empty()
            && self.trailers.is_none()
            && self.fail_after.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        if self.exact_hint {
            SizeHint::with_exact(self.chunks.iter().map(|c| c.len() as u64).sum())
        } else {
            SizeHint::default()
        }
    }
}

/// A body with a non-`Bytes` data type, to prove any `Buf` is accepted.
pub struct VecBody(pub Option<Vec<u8>>);

impl Body for VecBody {
    type Data = std::io::Cursor<Vec<u8>>;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Poll::Ready(
            self.0
                .take()
                .map(|v| Ok(Frame::data(std::io::Cursor::new(v)))),
        )
    }
}

/// Real discovery documents shipped beside the project.
pub fn real_documents() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/discovery");
    let mut docs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("test data missing at {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("readable"))
        })
        .collect();
    docs.sort();
    assert!(
        docs.len() >= 10,
        "expected the ten sample documents, found {}",
        docs.len()
    );
    docs
}

/// Collects a body frame by frame: data, trailers, and the error if any.
pub async fn collect<B>(body: B) -> (Vec<u8>, Option<HeaderMap>, Option<String>)
where
    B: Body,
    B::Error: fmt::Display,
{
    use bytes::Buf;
    use http_body_util::BodyExt;
    let mut body = std::pin::pin!(body);
    let mut data = Vec::new();
    let mut trailers = None;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => match f.into_data() {
                Ok(mut d) => {
                    while d.has_remaining() {
                        let c = d.chunk();
                        data.extend_from_slice(c);
                        let n = c.len();
                        d.advance(n);
                    }
                }
                Err(f) => trailers = f.into_trailers().ok(),
            },
            Err(e) => return (data, trailers, Some(e.to_string())),
        }
    }
    (data, trailers, None)
}
