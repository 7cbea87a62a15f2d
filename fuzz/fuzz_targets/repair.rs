//! Arbitrary bytes through the pure repair: never a panic; whenever the
//! output differs from the input, the input was a valid JSON object, the
//! output is valid JSON, and removing what was inserted gives the input back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_metadata_repair::iss::{add_iss, learn_issuer, needs_iss};
use oauth_metadata_repair::repair::{Placement, Repairer, Rule};

const FIELDS: [&str; 5] = [
    "token_endpoint_auth_methods_supported",
    "revocation_endpoint_auth_methods_supported",
    "introspection_endpoint_auth_methods_supported",
    "code_challenge_methods_supported",
    "authorization_response_iss_parameter_supported",
];

fn valid_json(doc: &[u8]) -> bool {
    std::str::from_utf8(doc).is_ok() && serde_json::from_slice::<serde::de::IgnoredAny>(doc).is_ok()
}

/// `Some(inserted)` when `out` is `input` with bytes inserted only: removing
/// those bytes from `out` gives back `input` byte for byte. (The greedy match
/// may attribute an inserted run to a different but equal position.)
fn inserted(input: &[u8], out: &[u8]) -> Option<Vec<u8>> {
    let mut rest = input.iter().peekable();
    let mut added = Vec::new();
    for &b in out {
        if rest.peek() == Some(&&b) {
            rest.next();
        } else {
            added.push(b);
        }
    }
    rest.next().is_none().then_some(added)
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks a configuration, so every option is exercised.
    let (mode, doc) = match data.split_first() {
        Some((m, d)) => (*m, d),
        None => (0, data),
    };
    let mut repairer = Repairer::new();
    if mode & 1 != 0 {
        repairer = repairer.placement(Placement::Prepend);
    }
    if mode & 2 != 0 {
        repairer = repairer
            .rule(Rule::code_challenge_s256())
            .rule(Rule::revocation_endpoint_none())
            .rule(Rule::introspection_endpoint_none());
    }
    if mode & 4 != 0 {
        repairer = repairer.skip_signed_metadata(true);
    }
    if mode & 8 != 0 {
        repairer = repairer.advertise_iss(true);
    }
    // The same bytes as a redirect target: never a panic; a rewrite keeps
    // every byte and adds only `&iss=` and the encoded issuer.
    if let Ok(location) = std::str::from_utf8(doc) {
        let issuer = learn_issuer(doc).unwrap_or_else(|_| "https://as.example/".into());
        match add_iss(location, &issuer) {
            Some(new) => {
                assert!(needs_iss(location));
                let added = inserted(location.as_bytes(), new.as_bytes()).expect("insertion only");
                assert!(added.starts_with(b"&iss=") || added.starts_with(b"iss="), "{added:?}");
            }
            None => assert!(!needs_iss(location)),
        }
    }
    let Ok(out) = repairer.repair(doc) else {
        return;
    };
    let out = out.into_bytes();
    assert_ne!(out, doc, "a repair changes the document");
    assert!(valid_json(doc), "repaired an invalid document");
    assert!(doc.iter().find(|b| !b" \t\r\n".contains(b)) == Some(&b'{'), "repaired a non-object");
    assert!(valid_json(&out), "output is not JSON");
    assert!(inserted(doc, &out).is_some(), "output is the input plus insertions");
    // Read as values, only the rules' fields differ.
    if let (Ok(mut before), Ok(mut after)) = (
        serde_json::from_slice::<serde_json::Value>(doc),
        serde_json::from_slice::<serde_json::Value>(&out),
    ) {
        for field in FIELDS {
            before.as_object_mut().map(|o| o.remove(field));
            after.as_object_mut().map(|o| o.remove(field));
        }
        assert_eq!(before, after, "a member other than the rules' fields changed");
    }
    // The repair is idempotent: a repaired document needs nothing more.
    assert!(repairer.repair(&out).is_err(), "second repair changed the output again");
});
