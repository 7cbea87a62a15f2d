//! Properties of the pure repair over generated documents, with `serde_json`
//! as the independent oracle.

use oauth_metadata_repair::repair::{Repairer, Skip};
use proptest::prelude::*;
use serde_json::{Map, Value};

const FIELD: &str = "token_endpoint_auth_methods_supported";

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        Just(Value::from("none")),
        Just(Value::from(FIELD)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(
                "[a-z_]{0,8}|token_endpoint_auth_methods_supported",
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// What the target field holds in a generated document.
fn methods() -> impl Strategy<Value = Option<Value>> {
    let word = prop_oneof![
        Just("none".to_owned()),
        Just("client_secret_basic".to_owned()),
        Just("private_key_jwt".to_owned()),
        "[a-z_]{0,10}",
    ];
    prop_oneof![
        Just(None),
        prop::collection::vec(word.clone(), 0..5).prop_map(|v| Some(Value::from(v))),
        word.prop_map(|s| Some(Value::from(s))),
        leaf().prop_map(Some),
    ]
}

fn document() -> impl Strategy<Value = (Map<String, Value>, bool)> {
    (
        prop::collection::btree_map("[a-z_]{1,12}", value(), 0..8),
        methods(),
        any::<bool>(),
    )
        .prop_map(|(members, m, pretty)| {
            let mut obj: Map<String, Value> = members.into_iter().collect();
            obj.remove(FIELD);
            if let Some(m) = m {
                obj.insert(FIELD.to_owned(), m);
            }
            (obj, pretty)
        })
}

/// Whether `serde_json` takes `doc` as JSON, and whether as an object.
///
/// `IgnoredAny` checks the grammar without reading numbers into floats (which
/// rejects 1e999), but skips UTF-8 checks inside strings, which RFC 8259
/// §8.1 requires; the first byte then tells an object.
fn oracle(doc: &[u8]) -> Result<bool, String> {
    serde_json::from_slice::<serde::de::IgnoredAny>(doc).map_err(|e| e.to_string())?;
    std::str::from_utf8(doc).map_err(|e| e.to_string())?;
    Ok(doc.iter().find(|b| !b" \t\r\n".contains(b)) == Some(&b'{'))
}

/// Output is input with bytes inserted only: input is a subsequence.
fn only_insertions(input: &[u8], out: &[u8]) -> bool {
    let mut it = out.iter();
    input.iter().all(|b| it.any(|o| o == b))
}

fn expected_methods(before: Option<&Value>) -> Option<Vec<Value>> {
    let none = Value::from("none");
    let mut list = match before {
        None => vec![Value::from("client_secret_basic")],
        Some(Value::String(s)) => vec![Value::from(s.clone())],
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a.clone(),
        Some(_) => return None,
    };
    if !list.contains(&none) {
        list.push(none);
    }
    Some(list)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn output_is_input_or_input_plus_the_element((obj, pretty) in document()) {
        let value = Value::Object(obj.clone());
        let doc = if pretty {
            serde_json::to_vec_pretty(&value).unwrap()
        } else {
            serde_json::to_vec(&value).unwrap()
        };
        match Repairer::new().repair(&doc) {
            Ok(out) => {
                let out = out.into_bytes();
                prop_assert!(only_insertions(&doc, &out));
                let parsed: Value = serde_json::from_slice(&out).expect("repaired output is JSON");
                // Compare with what serde_json reads from the input, so float
                // spellings are read the same way on both sides.
                let Value::Object(mut want) = serde_json::from_slice::<Value>(&doc).unwrap() else {
                    unreachable!()
                };
                let methods = expected_methods(obj.get(FIELD)).expect("repaired only a repairable shape");
                want.insert(FIELD.to_owned(), Value::from(methods));
                prop_assert_eq!(parsed, Value::Object(want));
            }
            Err(Skip::AlreadyCompliant) => {
                let has_none = match obj.get(FIELD) {
                    Some(Value::Array(a)) => a.contains(&Value::from("none")),
                    Some(Value::String(s)) => s == "none",
                    _ => false,
                };
                prop_assert!(has_none);
            }
            Err(Skip::UnexpectedShape { .. }) => {
                prop_assert!(expected_methods(obj.get(FIELD)).is_none());
            }
            Err(other) => prop_assert!(false, "unexpected skip {}", other),
        }
    }

    /// Mutated documents: the repair accepts exactly what serde_json does,
    /// and any repaired output is JSON again.
    #[test]
    fn validation_agrees_with_serde_json(
        (obj, pretty) in document(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        let value = Value::Object(obj);
        let mut doc = if pretty {
            serde_json::to_vec_pretty(&value).unwrap()
        } else {
            serde_json::to_vec(&value).unwrap()
        };
        for (at, byte, op) in edits {
            if doc.is_empty() { break; }
            let i = at.index(doc.len());
            let byte = b"{}[],:\"\\ 0-.eE\nax\x01\xff"[usize::from(byte) % 19];
            match op {
                0 => { doc.remove(i); }
                1 => doc.insert(i, byte),
                _ => doc[i] = byte,
            }
        }
        let verdict = oracle(&doc);
        let text = String::from_utf8_lossy(&doc).into_owned();
        match Repairer::new().repair(&doc) {
            Err(Skip::NotJson { .. }) => prop_assert!(verdict.is_err(), "{}", text),
            Err(Skip::NotAnObject) => prop_assert_eq!(verdict.clone().ok(), Some(false), "{}", text),
            Err(_) => prop_assert_eq!(verdict.clone().ok(), Some(true), "{}", text),
            Ok(out) => {
                prop_assert_eq!(verdict.clone().ok(), Some(true), "{}", text);
                prop_assert_eq!(oracle(out.as_bytes()), Ok(true));
                prop_assert!(only_insertions(&doc, out.as_bytes()));
            }
        }
    }
}
