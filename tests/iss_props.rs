//! Properties of the `iss` rewrite over generated redirect targets and
//! issuers, with the `url` crate's form decoding as the independent oracle
//! of what a client reads back.

use oauth_metadata_repair::iss::{add_iss, learn_issuer};
use proptest::prelude::*;

/// A query parameter: a name (sometimes one the rule cares about) and a
/// value of visible ASCII other than `&` and `#`.
fn param() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("state".to_owned()),
        Just("code".to_owned()),
        Just("error".to_owned()),
        Just("iss".to_owned()),
        "[a-z_]{1,8}",
    ];
    (name, "[!-~&&[^&#]]{0,12}").prop_map(|(n, v)| format!("{n}={v}"))
}

fn location() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("http://127.0.0.1:33418/cb".to_owned()),
            Just("myapp:/oauth".to_owned()),
            "/[a-z/]{0,10}",
        ],
        prop::collection::vec(param(), 0..6),
        prop::option::of("[!-~]{0,10}"),
    )
        .prop_map(|(base, params, fragment)| {
            let mut s = format!("{base}?{}", params.join("&"));
            if let Some(f) = fragment {
                s.push('#');
                s.push_str(&f);
            }
            s
        })
}

fn names(query: &str) -> Vec<&str> {
    query
        .split('&')
        .map(|p| p.split('=').next().unwrap_or(""))
        .collect()
}

proptest! {
    #[test]
    fn iss_is_added_exactly_to_responses_without_it_and_reads_back_as_the_issuer(
        loc in location(),
        issuer in "\\PC{1,40}",
    ) {
        let end = loc.find('#').unwrap_or(loc.len());
        let query = &loc[loc.find('?').unwrap() + 1..end];
        let n = names(query);
        let response = n.contains(&"state")
            && (n.contains(&"code") || n.contains(&"error"))
            && !n.contains(&"iss");
        match add_iss(&loc, &issuer) {
            None => prop_assert!(!response, "{loc}"),
            Some(out) => {
                prop_assert!(response, "{loc}");
                // Every byte kept: the output is the input plus one run,
                // inserted where the query ends.
                let (head, tail) = loc.split_at(end);
                prop_assert!(out.starts_with(head) && out.ends_with(tail), "{out}");
                let added = &out[head.len()..out.len() - tail.len()];
                let value = added
                    .strip_prefix("&iss=")
                    .or_else(|| added.strip_prefix("iss=").filter(|_| head.ends_with('&')));
                prop_assert!(value.is_some(), "{added}");
                let value = value.unwrap_or_default();
                prop_assert!(value.bytes().all(|b| b.is_ascii_graphic() && b != b'&' && b != b'#' && b != b'+'));
                // A client decodes the same issuer, byte for byte.
                let url = url::Url::parse(&format!("http://x/?{}", &out[out.find('?').unwrap() + 1..]))
                    .unwrap();
                let got: Vec<String> = url
                    .query_pairs()
                    .filter(|(k, _)| k == "iss")
                    .map(|(_, v)| v.into_owned())
                    .collect();
                prop_assert_eq!(got, vec![issuer.clone()]);
            }
        }
    }

    #[test]
    fn the_learned_issuer_is_the_issuer_serde_json_reads(issuer in "\\PC{1,40}") {
        let doc = serde_json::json!({ "issuer": issuer, "x": [1] }).to_string();
        prop_assert_eq!(learn_issuer(doc.as_bytes()), Ok(issuer));
    }
}
