//! `WWW-Authenticate` as clients read it (RFC 9110 §11.6.1, RFC 6750 §3):
//! the `Bearer` challenge and its auth-params.

/// The `Bearer` challenge's parameters, names lower-cased, in order; `None`
/// when no challenge is `Bearer`.
#[must_use]
pub fn bearer_params(header: &str) -> Option<Vec<(String, String)>> {
    let mut rest = header.trim_start();
    loop {
        let (scheme, after) = token(rest);
        if scheme.is_empty() {
            return None;
        }
        let (params, after) = params(after);
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(params);
        }
        rest = after.trim_start_matches([',', ' ', '\t']);
    }
}

/// A token (up to whitespace, `=` or `,`) and what follows it.
fn token(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == ',')
        .unwrap_or(s.len());
    s.split_at(end)
}

/// `name=value` or `name="quoted"` pairs up to the next challenge.
fn params(mut s: &str) -> (Vec<(String, String)>, &str) {
    let mut out = Vec::new();
    loop {
        let trimmed = s.trim_start_matches([',', ' ', '\t']);
        let (name, after) = token(trimmed);
        let after = after.trim_start();
        let Some(value) = after.strip_prefix('=') else {
            // Not a parameter: the next challenge's scheme (or the end).
            return (out, trimmed);
        };
        let value = value.trim_start();
        let (parsed, after) = match value.strip_prefix('"') {
            Some(quoted) => quoted_string(quoted),
            None => {
                let (v, a) = token(value);
                (v.to_owned(), a)
            }
        };
        out.push((name.to_ascii_lowercase(), parsed));
        s = after;
    }
}

/// The rest of a quoted string after its opening quote: its value and what
/// follows the closing quote (the end of input if it never closes).
fn quoted_string(s: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (value, &s[i + 1..]),
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    value.push(escaped);
                }
            }
            c => value.push(c),
        }
    }
    (value, "")
}

#[cfg(test)]
mod tests {
    use super::bearer_params;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn reads_quoted_and_bare_params() {
        assert_eq!(
            bearer_params(
                r#"Bearer error="invalid_token", resource_metadata="https://h/.well-known/oauth-protected-resource/mcp", scope=user"#
            ),
            Some(pairs(&[
                ("error", "invalid_token"),
                (
                    "resource_metadata",
                    "https://h/.well-known/oauth-protected-resource/mcp"
                ),
                ("scope", "user"),
            ]))
        );
    }

    #[test]
    fn finds_bearer_after_another_challenge() {
        assert_eq!(
            bearer_params(r#"Basic realm="x, y", Bearer realm="a\"b""#),
            Some(pairs(&[("realm", "a\"b")]))
        );
        assert_eq!(bearer_params("Bearer"), Some(vec![]));
    }

    #[test]
    fn no_bearer_and_garbage_are_none_without_panicking() {
        assert_eq!(bearer_params(r#"Basic realm="x""#), None);
        assert_eq!(bearer_params(""), None);
        assert_eq!(bearer_params("=,\"\\"), None);
        assert_eq!(
            bearer_params(r#"Bearer a="unterminated"#),
            Some(pairs(&[("a", "unterminated")]))
        );
    }
}
