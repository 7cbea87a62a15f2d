//! The `Location` rewrite: `iss` appended to an authorization response.

use std::borrow::Cow;
use std::ops::Range;

/// Appends `iss=<issuer>` to the query of an authorization response's
/// redirect target, or `None` when it must be left alone.
///
/// An authorization response is a `Location` whose query carries `state` and
/// either `code` (success) or `error` (RFC 6749 §4.1.2, §4.1.2.1). Left
/// alone (`None`): no query, no `state`, neither `code` nor `error`, an `iss`
/// already there, or a target that is not visible ASCII. The issuer is
/// percent-encoded as a query value (every byte but `A-Z a-z 0-9 - . _ ~`);
/// every other byte of `location` is kept, and a fragment stays after the
/// query. Parameter names are compared after percent-decoding.
///
/// ```
/// use oauth_metadata_repair::iss::add_iss;
///
/// let error = "https://app.example/cb?error=access_denied&state=xyz#top";
/// assert_eq!(
///     add_iss(error, "https://as.example/t 1").as_deref(),
///     Some("https://app.example/cb?error=access_denied&state=xyz&iss=https%3A%2F%2Fas.example%2Ft%201#top")
/// );
/// // Not an authorization response, or one that already names its issuer.
/// assert_eq!(add_iss("/login?state=xyz", "https://as.example"), None);
/// assert_eq!(add_iss("/cb?code=1&state=2&iss=x", "https://as.example"), None);
/// ```
#[must_use]
pub fn add_iss(location: &str, issuer: &str) -> Option<String> {
    let query = authorization_query(location)?;
    let mut out = String::with_capacity(location.len() + 5 + issuer.len() * 3);
    out.push_str(&location[..query.end]);
    if !location[query.clone()].ends_with('&') {
        out.push('&');
    }
    out.push_str("iss=");
    encode_into(&mut out, issuer);
    out.push_str(&location[query.end..]);
    Some(out)
}

/// True when `location` is an authorization response that lacks `iss`:
/// the redirects [`add_iss`] rewrites.
#[must_use]
pub fn needs_iss(location: &str) -> bool {
    authorization_query(location).is_some()
}

/// The byte range of the query of an authorization response without `iss`.
fn authorization_query(location: &str) -> Option<Range<usize>> {
    if !location.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let end = location.find('#').unwrap_or(location.len());
    let start = location[..end].find('?')? + 1;
    let (mut state, mut outcome) = (false, false);
    for pair in location[start..end].split('&') {
        let name = pair.split('=').next().unwrap_or_default();
        let name = decode_name(name);
        match name.as_ref() {
            "iss" => return None,
            "state" => state = true,
            "code" | "error" => outcome = true,
            _ => {}
        }
    }
    (state && outcome).then_some(start..end)
}

/// A parameter name, percent-decoded (`+` is a space in form encoding).
fn decode_name(name: &str) -> Cow<'_, str> {
    if !name.contains(['%', '+']) {
        return name.into();
    }
    let b = name.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|c| char::from(*c).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                // Two hex digits make one byte: hi * 16 + lo < 256.
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'%'));
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned().into()
}

/// Percent-encodes `value` as a query value: only RFC 3986 unreserved bytes
/// stay as they are.
fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}
