//! What a request must be before it is forwarded, and the framing fix-up of
//! a response before it is passed on.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, StatusCode, Version};

/// Why a request is refused, as the status and text to answer.
pub type Refusal = (StatusCode, &'static str);

/// The client's `Host` (or the authority of an absolute request target):
/// RFC 9112 §3.2 wants exactly one valid `Host` on HTTP/1.1, a 400 otherwise.
/// `CONNECT` is refused with 405: this proxy opens no tunnels.
pub fn request_host<B>(req: &Request<B>) -> Result<Option<HeaderValue>, Refusal> {
    if req.method() == Method::CONNECT {
        return Err((
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: this proxy opens no tunnels\n",
        ));
    }
    let mut hosts = req.headers().get_all(header::HOST).iter();
    let (first, second) = (hosts.next(), hosts.next());
    if second.is_some() {
        return Err((StatusCode::BAD_REQUEST, "bad request: more than one Host\n"));
    }
    if let Some(authority) = req.uri().authority() {
        // An absolute target's authority wins over Host (RFC 9112 §3.2.2).
        return Ok(HeaderValue::from_str(authority.as_str()).ok());
    }
    match first {
        Some(host) if is_valid_host(host.as_bytes()) => Ok(Some(host.clone())),
        Some(_) => Err((StatusCode::BAD_REQUEST, "bad request: invalid Host\n")),
        None if req.version() == Version::HTTP_11 => {
            Err((StatusCode::BAD_REQUEST, "bad request: no Host\n"))
        }
        None => Ok(None),
    }
}

/// `uri-host [ ":" port ]` (RFC 9110 §7.2): a reg-name or IPv4 of
/// unreserved, sub-delims and percent-encoded bytes, or an IP literal in
/// brackets; no user info, path, query or spaces.
fn is_valid_host(host: &[u8]) -> bool {
    let (name, port) = if host.first() == Some(&b'[') {
        let Some(end) = host.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &host[1..end];
        if literal.is_empty()
            || !literal
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        {
            return false;
        }
        (&host[..=end], &host[end + 1..])
    } else {
        match host.iter().position(|&b| b == b':') {
            Some(i) => (&host[..i], &host[i..]),
            None => (host, &host[host.len()..]),
        }
    };
    let name_ok = name.first() == Some(&b'[')
        || (!name.is_empty()
            && name.iter().all(|&b| {
                b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b'-' | b'.'
                            | b'_'
                            | b'~'
                            | b'%'
                            | b'!'
                            | b'$'
                            | b'&'
                            | b'\''
                            | b'('
                            | b')'
                            | b'*'
                            | b'+'
                            | b','
                            | b';'
                            | b'='
                    )
            }));
    let port_ok = match port.split_first() {
        None => true,
        Some((b':', digits)) => digits.len() <= 5 && digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    };
    name_ok && port_ok
}

/// Removes header fields whose names hold `_` (nginx's default
/// `underscores_in_headers off`): some servers read `X_Forwarded_For` as
/// `X-Forwarded-For`, or `Content_Length` as `Content-Length`.
pub fn drop_underscore_names(headers: &mut HeaderMap) {
    if !headers.keys().any(|n| n.as_str().contains('_')) {
        return;
    }
    let named: Vec<HeaderName> = headers
        .keys()
        .filter(|n| n.as_str().contains('_'))
        .cloned()
        .collect();
    for name in &named {
        headers.remove(name);
    }
}

/// A response framed by `Transfer-Encoding` has its `Content-Length`
/// removed: the chunked framing wins (RFC 9112 §6.3), and hyper would
/// otherwise cut the body at the stale length and call it complete.
pub fn fix_framing(headers: &mut HeaderMap) {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        headers.remove(header::CONTENT_LENGTH);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_authorities_only() {
        for ok in [
            "example.com",
            "example.com:8080",
            "127.0.0.1:1",
            "[::1]:8080",
            "[::1]",
            "a_b.example",
        ] {
            assert!(is_valid_host(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "evil.example/../x?",
            "a@b",
            "a b",
            "example.com:80:80",
            "example.com:8o",
            "[::1",
            "[]",
            "[::1]x",
            "x\\y",
            "example.com:123456",
        ] {
            assert!(!is_valid_host(bad.as_bytes()), "{bad}");
        }
    }
}
