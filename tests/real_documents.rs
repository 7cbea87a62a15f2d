//! The published discovery documents beside the project, repaired through
//! the pure function and through the layer.

mod support;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{Empty, Full};
use oauth_metadata_repair::repair::{Repairer, Skip};
use oauth_metadata_repair::RepairMetadata;
use serde_json::Value;
use std::convert::Infallible;
use support::{collect, real_documents};
use tower::{service_fn, ServiceExt};

const FIELD: &str = "token_endpoint_auth_methods_supported";

/// `Some(inserted bytes)` when `out` is `input` with one contiguous run of
/// bytes inserted, which is how a repaired document must differ.
fn single_insertion(input: &[u8], out: &[u8]) -> Option<Vec<u8>> {
    let prefix = input.iter().zip(out).take_while(|(a, b)| a == b).count();
    let added = out.len().checked_sub(input.len())?;
    (out[prefix + added..] == input[prefix..]).then(|| out[prefix..prefix + added].to_vec())
}

fn methods(doc: &[u8]) -> Option<Vec<Value>> {
    let v: Value = serde_json::from_slice(doc).expect("valid json");
    v.get(FIELD)
        .map(|m| m.as_array().expect("an array").clone())
}

#[test]
fn each_real_document_is_repaired_by_insertion_or_left_byte_identical() {
    let mut repaired = 0;
    for (name, doc) in real_documents() {
        let before = methods(&doc);
        let has_none = before
            .as_ref()
            .is_some_and(|m| m.contains(&Value::from("none")));
        match Repairer::new().repair(&doc) {
            Ok(out) => {
                assert!(!has_none, "{name}: already had none");
                let out = out.into_bytes();
                let inserted = single_insertion(&doc, &out)
                    .unwrap_or_else(|| panic!("{name}: more than one insertion"));
                let inserted = String::from_utf8(inserted).unwrap();
                let after = methods(&out).expect("field present after repair");
                let mut want = before.unwrap_or_else(|| vec![Value::from("client_secret_basic")]);
                want.push(Value::from("none"));
                assert_eq!(after, want, "{name}");
                // Everything else parses to the same value.
                let mut a: Value = serde_json::from_slice(&doc).unwrap();
                let mut b: Value = serde_json::from_slice(&out).unwrap();
                a.as_object_mut().unwrap().remove(FIELD);
                b.as_object_mut().unwrap().remove(FIELD);
                assert_eq!(a, b, "{name}");
                assert!(
                    inserted.contains("\"none\""),
                    "{name}: inserted {inserted:?}"
                );
                repaired += 1;
            }
            Err(Skip::AlreadyCompliant) => assert!(has_none, "{name}"),
            Err(other) => panic!("{name}: {other}"),
        }
    }
    assert_eq!(repaired, 8, "eight of the ten samples lack none");
}

#[test]
fn pretty_and_crlf_documents_get_an_element_in_their_own_style() {
    let docs = real_documents();
    let google = &docs.iter().find(|(n, _)| n.starts_with("01-")).unwrap().1;
    let out = Repairer::new().repair(google).unwrap().into_bytes();
    assert_eq!(single_insertion(google, &out).unwrap(), b",\n  \"none\"");
    let entra = &docs.iter().find(|(n, _)| n.starts_with("02-")).unwrap().1;
    let out = Repairer::new().repair(entra).unwrap().into_bytes();
    let inserted = String::from_utf8(single_insertion(entra, &out).unwrap()).unwrap();
    assert!(inserted.contains("\"none\""));
    assert!(
        !inserted.contains('\n') || inserted.contains("\r\n"),
        "CRLF kept: {inserted:?}"
    );
}

#[tokio::test]
async fn each_real_document_through_the_layer_in_small_chunks() {
    for (name, doc) in real_documents() {
        let doc = Bytes::from(doc);
        let expected = match Repairer::new().repair(&doc) {
            Ok(r) => r.into_bytes(),
            Err(_) => doc.to_vec(),
        };
        let served = doc.clone();
        let svc = RepairMetadata::new(service_fn(move |_: Request<Empty<Bytes>>| {
            let body = support::ChunkedBody::split(&served, 13);
            async move { Ok::<_, Infallible>(Response::new(body)) }
        }));
        let req = Request::get("/.well-known/openid-configuration")
            .body(Empty::new())
            .unwrap();
        let res = svc.oneshot(req).await.unwrap();
        let (body, _, err) = collect(res.into_body()).await;
        assert_eq!(err, None);
        assert_eq!(body, expected, "{name}");
        // And a Full<Bytes> upstream gives the same.
        let served = doc.clone();
        let svc = RepairMetadata::new(service_fn(move |_: Request<Empty<Bytes>>| {
            let body = Full::new(served.clone());
            async move { Ok::<_, Infallible>(Response::new(body)) }
        }));
        let req = Request::get("/.well-known/openid-configuration")
            .body(Empty::new())
            .unwrap();
        let (body, _, _) = collect(svc.oneshot(req).await.unwrap().into_body()).await;
        assert_eq!(body, expected, "{name}");
    }
}
