//! Upstreams that frame a discovery document oddly, behind a real hyper
//! server with the layer: one byte per chunk, chunk extensions, wrong
//! Content-Length, a cut chunked body, gzip, trailers, revalidation and HEAD.
//! Each case has a defined outcome: repaired, passed through byte for byte,
//! or a body error; never a panic, never a truncated document served as
//! complete.

mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use support::harness::client;
use support::raw_upstream::{
    assert_no_worker_panic, chunked, get, head_200, raw_upstream, script, start_proxy, try_get,
    Step, DISCOVERY, HANG_GUARD,
};
use support::{MCP_SDK_DOC, MCP_SDK_FIXED};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_sent_one_byte_per_chunk_and_with_chunk_extensions_is_repaired() {
    for ext in ["", ";name=value", ";a;b=\"quoted\""] {
        let (up, _) = raw_upstream(script(move |_| {
            let mut steps = vec![Step::Send(head_200(
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            ))];
            for b in MCP_SDK_DOC.as_bytes() {
                steps.push(Step::Send(chunked(&[&[*b]], ext)));
            }
            steps.push(Step::Send(b"0\r\n\r\n".to_vec()));
            steps
        }))
        .await;
        let proxy = start_proxy(up, 65536).await;
        let (parts, body) = get(proxy, DISCOVERY).await;
        assert_eq!(parts.status, StatusCode::OK);
        assert_eq!(body.unwrap(), MCP_SDK_FIXED.as_bytes(), "extension {ext:?}");
        assert_eq!(
            parts.headers[header::CONTENT_LENGTH],
            MCP_SDK_FIXED.len().to_string()
        );
    }
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_longer_than_the_body_ends_in_a_body_error() {
    let (up, _) = raw_upstream(script(|_| {
        vec![
            Step::Send(head_200(
                "Content-Type: application/json\r\nContent-Length: 1000\r\n",
            )),
            Step::Send(MCP_SDK_DOC.as_bytes().to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    // The connection is aborted, before or after the head: the client never
    // gets a complete-looking document.
    let body = try_get(proxy, DISCOVERY).await;
    assert!(
        body.is_err(),
        "a truncated document is never served as complete: {body:?}"
    );
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_shorter_than_the_body_passes_the_declared_bytes() {
    let (up, _) = raw_upstream(script(|_| {
        vec![
            Step::Send(head_200(
                "Content-Type: application/json\r\nContent-Length: 100\r\n",
            )),
            Step::Send(MCP_SDK_DOC.as_bytes().to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let (parts, body) = get(proxy, DISCOVERY).await;
    assert_eq!(parts.status, StatusCode::OK);
    // The first 100 bytes are not a JSON document: passed through as they are.
    assert_eq!(body.unwrap(), &MCP_SDK_DOC.as_bytes()[..100]);
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_document_cut_mid_way_ends_in_a_body_error() {
    let (up, _) = raw_upstream(script(|_| {
        let half = &MCP_SDK_DOC.as_bytes()[..200];
        vec![
            Step::Send(head_200(
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            )),
            Step::Send(chunked(&[half], "")),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let body = try_get(proxy, DISCOVERY).await;
    assert!(body.is_err(), "{body:?}");
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_encoded_document_passes_through_byte_for_byte() {
    // Bytes labelled gzip: the layer must not read or change them.
    let payload: Vec<u8> = (0..300u32).map(|i| (i * 7 % 256) as u8).collect();
    let sent = payload.clone();
    let (up, heads) = raw_upstream(script(move |_| {
        vec![
            Step::Send(head_200(&format!(
                "Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n",
                sent.len()
            ))),
            Step::Send(sent.clone()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let (parts, body) = get(proxy, DISCOVERY).await;
    assert_eq!(body.unwrap(), payload);
    assert_eq!(parts.headers[header::CONTENT_ENCODING], "gzip");
    let head = heads.lock().unwrap()[0].to_ascii_lowercase();
    assert!(head.contains("accept-encoding: identity\r\n"), "{head}");
    assert_no_worker_panic();
}

/// A raw HTTP/1.1 exchange: sends `request`, reads until the peer closes.
async fn raw_exchange(addr: SocketAddr, request: &str) -> Vec<u8> {
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(HANG_GUARD, sock.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    out
}

/// Splits a chunked body into (data, trailer lines).
fn dechunk(mut body: &[u8]) -> (Vec<u8>, String) {
    let mut data = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let line = std::str::from_utf8(&body[..line_end]).unwrap();
        let size = usize::from_str_radix(line.split(';').next().unwrap().trim(), 16).unwrap();
        body = &body[line_end + 2..];
        if size == 0 {
            return (data, String::from_utf8_lossy(body).into_owned());
        }
        data.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailers_are_kept_and_digest_trailers_dropped_after_repair() {
    let (up, _) = raw_upstream(script(|_| {
        vec![
            Step::Send(head_200(
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-Note, Content-Digest\r\n",
            )),
            Step::Send(chunked(&[MCP_SDK_DOC.as_bytes()], "")),
            Step::Send(b"0\r\nX-Note: kept\r\nContent-Digest: sha-256=:AAAA:\r\n\r\n".to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let response = raw_exchange(
        proxy,
        &format!(
            "GET {DISCOVERY} HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let body = &response[split + 4..];
    let (data, trailers) = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        (body.to_vec(), String::new())
    };
    assert_eq!(data, MCP_SDK_FIXED.as_bytes(), "{head}");
    let trailers = trailers.to_ascii_lowercase();
    assert!(
        !trailers.contains("content-digest"),
        "digest of the old bytes dropped: {trailers}"
    );
    if head.contains("transfer-encoding: chunked") {
        assert!(
            trailers.contains("x-note: kept"),
            "trailer kept: {trailers}"
        );
    }
    assert_no_worker_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revalidation_and_head_go_through_the_proxy() {
    let (up, heads) = raw_upstream(script(|head| {
        let lower = head.to_ascii_lowercase();
        if lower.contains("if-none-match: \"v1\"") {
            return vec![Step::Send(
                b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n".to_vec(),
            )];
        }
        vec![
            Step::Send(head_200(&format!(
                "Content-Type: application/json\r\nETag: \"v1\"\r\nContent-Length: {}\r\n",
                MCP_SDK_DOC.len()
            ))),
            Step::Send(MCP_SDK_DOC.as_bytes().to_vec()),
        ]
    }))
    .await;
    let proxy = start_proxy(up, 65536).await;
    let (first, body) = get(proxy, DISCOVERY).await;
    assert_eq!(body.unwrap(), MCP_SDK_FIXED.as_bytes());
    let derived = first.headers[header::ETAG].clone();
    assert_ne!(derived, "\"v1\"");

    let c = client();
    let res = c
        .request(
            Request::get(format!("http://{proxy}{DISCOVERY}"))
                .header(header::IF_NONE_MATCH, derived.clone())
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()[header::ETAG], derived);

    let res = c
        .request(
            Request::get(format!("http://{proxy}{DISCOVERY}"))
                .header(header::IF_NONE_MATCH, "\"v1\"")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the upstream's own tag never earns a 304"
    );

    let res = c
        .request(
            Request::head(format!("http://{proxy}{DISCOVERY}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        res.headers()[header::CONTENT_LENGTH],
        MCP_SDK_FIXED.len().to_string()
    );
    assert!(res
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .is_empty());
    assert!(
        heads.lock().unwrap().last().unwrap().starts_with("GET "),
        "HEAD is fetched as GET"
    );
    assert_no_worker_panic();
}
