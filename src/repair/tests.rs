use super::*;

fn fixed(doc: &str) -> String {
    String::from_utf8(Repairer::new().repair(doc.as_bytes()).unwrap().into_bytes()).unwrap()
}

fn skipped(doc: &str) -> Skip {
    Repairer::new().repair(doc.as_bytes()).unwrap_err()
}

const T: &str = "token_endpoint_auth_methods_supported";

#[test]
fn repairs_the_table_of_documents() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "compact",
            r#"{"issuer":"x","token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic"]}"#,
            r#"{"issuer":"x","token_endpoint_auth_methods_supported":["client_secret_post","client_secret_basic","none"]}"#,
        ),
        (
            "pretty",
            "{\n  \"issuer\": \"x\",\n  \"token_endpoint_auth_methods_supported\": [\n    \"client_secret_post\",\n    \"client_secret_basic\"\n  ]\n}\n",
            "{\n  \"issuer\": \"x\",\n  \"token_endpoint_auth_methods_supported\": [\n    \"client_secret_post\",\n    \"client_secret_basic\",\n    \"none\"\n  ]\n}\n",
        ),
        (
            "crlf single element",
            "{\r\n\t\"token_endpoint_auth_methods_supported\" : [\r\n\t\t\"client_secret_post\"\r\n\t]\r\n}",
            "{\r\n\t\"token_endpoint_auth_methods_supported\" : [\r\n\t\t\"client_secret_post\",\r\n\t\t\"none\"\r\n\t]\r\n}",
        ),
        (
            "unicode and escaped slashes",
            r#"{"issuer":"https:\/\/as.example\/t\u00e9nant","name":"Ünïcødé 🔐","token_endpoint_auth_methods_supported":["client_secret_basic"]}"#,
            r#"{"issuer":"https:\/\/as.example\/t\u00e9nant","name":"Ünïcødé 🔐","token_endpoint_auth_methods_supported":["client_secret_basic","none"]}"#,
        ),
        (
            "absent field, compact",
            r#"{"issuer":"x"}"#,
            r#"{"issuer":"x","token_endpoint_auth_methods_supported":["client_secret_basic","none"]}"#,
        ),
        (
            "absent field, pretty",
            "{\n  \"issuer\": \"x\"\n}",
            "{\n  \"issuer\": \"x\",\n  \"token_endpoint_auth_methods_supported\": [\"client_secret_basic\", \"none\"]\n}",
        ),
        (
            "empty object",
            "{}",
            r#"{"token_endpoint_auth_methods_supported":["client_secret_basic","none"]}"#,
        ),
        (
            "empty array",
            r#"{"token_endpoint_auth_methods_supported":[]}"#,
            r#"{"token_endpoint_auth_methods_supported":["none"]}"#,
        ),
        (
            "string field",
            r#"{"token_endpoint_auth_methods_supported": "client_secret_basic"}"#,
            r#"{"token_endpoint_auth_methods_supported": ["client_secret_basic", "none"]}"#,
        ),
        (
            "nested decoy is not the top-level key",
            r#"{"mtls_endpoint_aliases":{"token_endpoint_auth_methods_supported":["a"]},"token_endpoint_auth_methods_supported":["b"]}"#,
            r#"{"mtls_endpoint_aliases":{"token_endpoint_auth_methods_supported":["a"]},"token_endpoint_auth_methods_supported":["b","none"]}"#,
        ),
        (
            "string decoy and look-alike key",
            r#"{"doc":"\"token_endpoint_auth_methods_supported\":[\"none\"]","token_endpoint_auth_signing_alg_values_supported":["RS256"]}"#,
            r#"{"doc":"\"token_endpoint_auth_methods_supported\":[\"none\"]","token_endpoint_auth_signing_alg_values_supported":["RS256"],"token_endpoint_auth_methods_supported":["client_secret_basic","none"]}"#,
        ),
        (
            "escaped key is the same key",
            r#"{"token_endpoint_auth_methods_\u0073upported":["a"]}"#,
            r#"{"token_endpoint_auth_methods_\u0073upported":["a","none"]}"#,
        ),
        (
            "numbers keep their spelling",
            r#"{"n":1.0E+2,"m":-0.000,"token_endpoint_auth_methods_supported":["a"] }"#,
            r#"{"n":1.0E+2,"m":-0.000,"token_endpoint_auth_methods_supported":["a","none"] }"#,
        ),
    ];
    for (name, input, want) in cases {
        assert_eq!(fixed(input), *want, "{name}");
    }
}

#[test]
fn leaves_documents_that_cannot_be_repaired_safely() {
    let cases: &[(&str, &str, Skip)] = &[
        (
            "already has none",
            r#"{"token_endpoint_auth_methods_supported":["a","none"]}"#,
            Skip::AlreadyCompliant,
        ),
        (
            "already has escaped none",
            r#"{"token_endpoint_auth_methods_supported":["\u006eone"]}"#,
            Skip::AlreadyCompliant,
        ),
        (
            "string none",
            r#"{"token_endpoint_auth_methods_supported":"none"}"#,
            Skip::AlreadyCompliant,
        ),
        (
            "duplicate keys",
            r#"{"token_endpoint_auth_methods_supported":["a"],"token_endpoint_auth_methods_supported":["b"]}"#,
            Skip::DuplicateKey { key: T.into() },
        ),
        (
            "duplicate other key",
            r#"{"issuer":"a","issuer":"b","token_endpoint_auth_methods_supported":["a"]}"#,
            Skip::DuplicateKey {
                key: "issuer".into(),
            },
        ),
        (
            "duplicate by escape",
            r#"{"a":1,"\u0061":2}"#,
            Skip::DuplicateKey { key: "a".into() },
        ),
        (
            "non-object array",
            r#"["token_endpoint_auth_methods_supported"]"#,
            Skip::NotAnObject,
        ),
        ("non-object string", r#""x""#, Skip::NotAnObject),
        (
            "invalid",
            r#"{"token_endpoint_auth_methods_supported":["a",]}"#,
            Skip::NotJson { offset: 46 },
        ),
        ("empty", "", Skip::NotJson { offset: 0 }),
        ("whitespace only", " \n", Skip::NotJson { offset: 2 }),
        (
            "truncated",
            r#"{"token_endpoint_auth_methods_supported":["a""#,
            Skip::NotJson { offset: 45 },
        ),
        (
            "number field",
            r#"{"token_endpoint_auth_methods_supported":1}"#,
            Skip::UnexpectedShape { field: T.into() },
        ),
        (
            "null field",
            r#"{"token_endpoint_auth_methods_supported":null}"#,
            Skip::UnexpectedShape { field: T.into() },
        ),
        (
            "object field",
            r#"{"token_endpoint_auth_methods_supported":{}}"#,
            Skip::UnexpectedShape { field: T.into() },
        ),
        (
            "non-string element",
            r#"{"token_endpoint_auth_methods_supported":["a",1]}"#,
            Skip::UnexpectedShape { field: T.into() },
        ),
        (
            "case differs",
            r#"{"token_endpoint_auth_methods_supported":["a"],"Token_endpoint_auth_methods_supported":["None"]}"#,
            Skip::AlreadyCompliant,
        ),
    ];
    for (name, input, want) in cases {
        if *name == "case differs" {
            // "None" is not "none" and the key differs: this one is repaired.
            assert!(fixed(input).contains(r#"["a","none"]"#), "{name}");
            continue;
        }
        assert_eq!(skipped(input), *want, "{name}");
    }
}

#[test]
fn prepends_when_asked() {
    let r = Repairer::new().placement(Placement::Prepend);
    let out = |d: &str| String::from_utf8(r.repair(d.as_bytes()).unwrap().into_bytes()).unwrap();
    assert_eq!(
        out(r#"{"token_endpoint_auth_methods_supported":["a", "b"]}"#),
        r#"{"token_endpoint_auth_methods_supported":["none", "a", "b"]}"#
    );
    assert_eq!(
        out("{\"token_endpoint_auth_methods_supported\":[\n  \"a\"\n]}"),
        "{\"token_endpoint_auth_methods_supported\":[\n  \"none\",\n  \"a\"\n]}"
    );
    assert_eq!(
        out(r#"{"token_endpoint_auth_methods_supported":"a"}"#),
        r#"{"token_endpoint_auth_methods_supported":["none","a"]}"#
    );
    assert_eq!(
        out(r#"{"x":1}"#),
        r#"{"x":1,"token_endpoint_auth_methods_supported":["none","client_secret_basic"]}"#
    );
}

#[test]
fn signed_metadata_is_kept_byte_for_byte_or_skipped() {
    let doc = r#"{"signed_metadata":"eyJhbGciOiJub25lIn0.eyJ0b2tlbl9lbmRwb2ludF9hdXRoX21ldGhvZHNfc3VwcG9ydGVkIjpbImEiXX0.","token_endpoint_auth_methods_supported":["a"]}"#;
    let out = Repairer::new().repair(doc.as_bytes()).unwrap();
    assert!(out.kept_signed_metadata());
    assert_eq!(
        out.as_bytes(),
        doc.replace(r#"["a"]"#, r#"["a","none"]"#).as_bytes()
    );
    assert_eq!(
        Repairer::new()
            .skip_signed_metadata(true)
            .repair(doc.as_bytes())
            .unwrap_err(),
        Skip::SignedMetadata
    );
    let plain = Repairer::new()
        .repair(br#"{"token_endpoint_auth_methods_supported":["a"]}"#)
        .unwrap();
    assert!(!plain.kept_signed_metadata());
}

#[test]
fn optional_rules_follow_their_rfc_defaults() {
    let all = Repairer::new()
        .rule(Rule::revocation_endpoint_none())
        .rule(Rule::introspection_endpoint_none())
        .rule(Rule::code_challenge_s256());
    let out = all.repair(br#"{"issuer":"x"}"#).unwrap();
    assert_eq!(
        String::from_utf8(out.as_bytes().to_vec()).unwrap(),
        r#"{"issuer":"x","token_endpoint_auth_methods_supported":["client_secret_basic","none"],"revocation_endpoint_auth_methods_supported":["client_secret_basic","none"],"code_challenge_methods_supported":["S256"]}"#
    );
    assert_eq!(
        out.fields(),
        [
            "token_endpoint_auth_methods_supported",
            "revocation_endpoint_auth_methods_supported",
            "code_challenge_methods_supported"
        ]
    );
    let out = all
        .repair(br#"{"token_endpoint_auth_methods_supported":["none"],"introspection_endpoint_auth_methods_supported":["a"],"code_challenge_methods_supported":["plain"]}"#)
        .unwrap();
    assert_eq!(
        String::from_utf8(out.into_bytes()).unwrap(),
        r#"{"token_endpoint_auth_methods_supported":["none"],"introspection_endpoint_auth_methods_supported":["a","none"],"code_challenge_methods_supported":["plain","S256"],"revocation_endpoint_auth_methods_supported":["client_secret_basic","none"]}"#
    );
}

#[test]
fn rules_on_one_field_make_one_edit() {
    let r = Repairer::new().rules([
        Rule::new("f", "x").when_absent(WhenAbsent::assume(["d"])),
        Rule::new("f", "y"),
        Rule::new("f", "x"),
    ]);
    let s = |d: &str| String::from_utf8(r.repair(d.as_bytes()).unwrap().into_bytes()).unwrap();
    assert_eq!(s(r#"{"f":"a"}"#), r#"{"f":["a","x","y"]}"#);
    assert_eq!(s(r#"{"f":["a"]}"#), r#"{"f":["a","x","y"]}"#);
    assert_eq!(s(r#"{}"#), r#"{"f":["d","x","y"]}"#);
    assert_eq!(
        r.repair(br#"{"f":["y","x"]}"#).unwrap_err(),
        Skip::AlreadyCompliant
    );
}

#[test]
fn other_fields_repair_even_when_one_has_a_bad_shape() {
    let r = Repairer::new().rule(Rule::code_challenge_s256());
    let out = r
        .repair(
            br#"{"token_endpoint_auth_methods_supported":7,"code_challenge_methods_supported":[]}"#,
        )
        .unwrap();
    assert_eq!(out.as_bytes(), br#"{"token_endpoint_auth_methods_supported":7,"code_challenge_methods_supported":["S256"]}"#);
    assert_eq!(out.fields(), ["code_challenge_methods_supported"]);
}

#[test]
fn user_strings_are_escaped_as_json() {
    let r = Repairer::new()
        .rules([Rule::new("we\"ird\\", "a\nb").when_absent(WhenAbsent::Assume(Vec::new()))]);
    let out = r.repair(b"{}").unwrap();
    // serde_json's escaping: the short form `\n` for a newline.
    assert_eq!(out.as_bytes(), br#"{"we\"ird\\":["a\nb"]}"#);
    // Applying it again finds the value: the escape decodes to the same text.
    assert_eq!(
        r.repair(out.as_bytes()).unwrap_err(),
        Skip::AlreadyCompliant
    );
}

#[test]
fn skip_reasons_read_well() {
    assert_eq!(
        Skip::NotJson { offset: 3 }.to_string(),
        "not json (at byte 3)"
    );
    assert_eq!(Skip::AlreadyCompliant.to_string(), "already compliant");
    assert_eq!(
        Skip::DuplicateKey { key: "a".into() }.to_string(),
        "duplicate top-level key \"a\""
    );
}

#[test]
fn several_absent_fields_in_an_empty_object_are_separated() {
    let all = Repairer::new()
        .rule(Rule::revocation_endpoint_none())
        .rule(Rule::code_challenge_s256());
    for (doc, want) in [
        (
            "{}",
            r#"{"token_endpoint_auth_methods_supported":["client_secret_basic","none"],"revocation_endpoint_auth_methods_supported":["client_secret_basic","none"],"code_challenge_methods_supported":["S256"]}"#,
        ),
        (
            "{ }",
            r#"{"token_endpoint_auth_methods_supported":["client_secret_basic","none"],"revocation_endpoint_auth_methods_supported":["client_secret_basic","none"],"code_challenge_methods_supported":["S256"] }"#,
        ),
    ] {
        let out = all.repair(doc.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(out.into_bytes()).unwrap(), want);
    }
    // A string field wrapped at the end, then members added after it.
    let out = all
        .repair(br#"{"token_endpoint_auth_methods_supported":"a"}"#)
        .unwrap();
    assert_eq!(
        out.as_bytes(),
        br#"{"token_endpoint_auth_methods_supported":["a","none"],"revocation_endpoint_auth_methods_supported":["client_secret_basic","none"],"code_challenge_methods_supported":["S256"]}"#
    );
}

#[test]
fn duplicates_are_found_among_many_members() {
    let mut doc = String::from("{");
    for i in 0..100 {
        let key = if i == 90 { 10 } else { i };
        doc.push_str(&format!("\"k{key}\":{i},"));
    }
    doc.push_str("\"token_endpoint_auth_methods_supported\":[]}");
    assert_eq!(skipped(&doc), Skip::DuplicateKey { key: "k10".into() });
    let unique = doc.replace("\"k10\":90", "\"k90\":90");
    assert!(fixed(&unique).ends_with(r#"["none"]}"#));
}

#[test]
fn a_key_that_is_not_text_leaves_the_document_alone() {
    // An unpaired surrogate escape in a key: serde_json refuses to decode
    // it, and clients would not agree on the key, so nothing is changed.
    let doc = r#"{"\ud800":1,"token_endpoint_auth_methods_supported":["a"]}"#;
    assert_eq!(skipped(doc), Skip::NotJson { offset: 2 });
    // The same escape in a value is still JSON to serde_json: the document
    // is repaired, and the odd element is never taken for "none".
    let doc = r#"{"x":"\ud800","token_endpoint_auth_methods_supported":["\udc00"]}"#;
    assert_eq!(
        fixed(doc),
        r#"{"x":"\ud800","token_endpoint_auth_methods_supported":["\udc00","none"]}"#
    );
}

#[test]
fn deep_nesting_in_a_value_is_skipped_without_recursion() {
    let depth = 200_000;
    let doc = format!(
        r#"{{"deep":{}{},"token_endpoint_auth_methods_supported":["a"]}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    // A raw value is skipped, not parsed into a tree: no recursion limit
    // applies and nothing overflows the stack.
    let out = Repairer::new().repair(doc.as_bytes()).unwrap();
    assert!(out.as_bytes().ends_with(br#"["a","none"]}"#));
}
