use super::*;

const AS: &str = "https://as.example/";

#[test]
fn adds_iss_to_success_and_error_responses() {
    assert_eq!(
        add_iss("https://app/cb?code=abc&state=xyz", AS).as_deref(),
        Some("https://app/cb?code=abc&state=xyz&iss=https%3A%2F%2Fas.example%2F")
    );
    assert_eq!(
        add_iss("http://127.0.0.1:5/cb?error=access_denied&error_description=no&state=s", AS)
            .as_deref(),
        Some("http://127.0.0.1:5/cb?error=access_denied&error_description=no&state=s&iss=https%3A%2F%2Fas.example%2F")
    );
}

#[test]
fn keeps_every_other_byte_and_the_fragment_after_the_query() {
    let loc = "myapp:/cb/?state=a%2Fb&code=Z%20z&x=&y#frag?state=1";
    assert_eq!(
        add_iss(loc, "i").as_deref(),
        Some("myapp:/cb/?state=a%2Fb&code=Z%20z&x=&y&iss=i#frag?state=1")
    );
    assert_eq!(
        add_iss("/cb?code=1&state=2&", "i").as_deref(),
        Some("/cb?code=1&state=2&iss=i")
    );
}

#[test]
fn leaves_alone_what_is_not_an_authorization_response_without_iss() {
    for loc in [
        "/cb?code=1&state=2&iss=https%3A%2F%2Fother",
        "/cb?iss=&code=1&state=2",
        "/cb?%69ss=x&code=1&state=2",
        "/cb?code=1",
        "/cb?error=x",
        "/login?state=2",
        "/cb?state=2&client_id=c",
        "/cb#code=1&state=2",
        "/cb",
        "/cb?code=1&state=2 x",
        "/cb?codes=1&states=2",
        "",
    ] {
        assert_eq!(add_iss(loc, AS), None, "{loc}");
        assert!(!needs_iss(loc), "{loc}");
    }
}

#[test]
fn encodes_every_byte_of_the_issuer_but_unreserved_ones() {
    assert_eq!(
        add_iss("/cb?code=1&state=2", "https://h:8443/a b/ü?x=1&y#z~._-").as_deref(),
        Some("/cb?code=1&state=2&iss=https%3A%2F%2Fh%3A8443%2Fa%20b%2F%C3%BC%3Fx%3D1%26y%23z~._-")
    );
}

#[test]
fn learns_the_issuer_bytes_clients_read() {
    let cases: [(&[u8], &str); 4] = [
        (
            br#"{"issuer":"http://127.0.0.1:8000/"}"#,
            "http://127.0.0.1:8000/",
        ),
        (br#"{"issuer":"https://h/tenant/a"}"#, "https://h/tenant/a"),
        (br#"{"issuer":"https:\/\/h\/\u00fc\"q"}"#, "https://h/ü\"q"),
        (
            br#" { "a": [1], "issuer" : "https://h" , "b": {"issuer":"x"} } "#,
            "https://h",
        ),
    ];
    for (doc, want) in cases {
        assert_eq!(learn_issuer(doc).as_deref(), Ok(want));
    }
}

#[test]
fn learns_nothing_from_documents_it_would_not_repair() {
    for doc in [
        &br#"{"resource":"https://mcp"}"#[..],
        br#"{"issuer":7}"#,
        br#"{"issuer":""}"#,
        br#"{"issuer":"a","issuer":"b"}"#,
        br#"["issuer"]"#,
        b"{",
        b"\xff",
    ] {
        assert_eq!(learn_issuer(doc), Err(NoIssuer::NotServerMetadata));
    }
    assert_eq!(
        learn_issuer(br#"{"issuer":"a","authorization_response_iss_parameter_supported":false}"#),
        Err(NoIssuer::AlreadyStated { supported: false })
    );
}
