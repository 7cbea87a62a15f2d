//! Which request paths are discovery documents.

/// Decides whether a request path names a discovery document.
///
/// Only `GET` and `HEAD` requests are ever asked; the path comes without the
/// query. Implemented for closures `Fn(&str) -> bool` and for `&'static str`
/// (an exact path), and combined with [`DiscoveryPaths::or`] and
/// [`DiscoveryPaths::under_prefix`].
///
/// ```
/// use oauth_metadata_repair::{DiscoveryPaths, StandardPaths};
///
/// // The standard placements, plus the same under `/auth`, plus one custom path.
/// let paths = StandardPaths
///     .or(StandardPaths.under_prefix("/auth"))
///     .or("/meta/as.json");
/// assert!(paths.is_discovery("/.well-known/oauth-authorization-server"));
/// assert!(paths.is_discovery("/auth/.well-known/openid-configuration"));
/// assert!(paths.is_discovery("/meta/as.json"));
/// assert!(!paths.is_discovery("/api/users"));
/// ```
pub trait DiscoveryPaths: Clone {
    /// True when `path` is a discovery document.
    fn is_discovery(&self, path: &str) -> bool;

    /// Matches what `self` or `other` matches.
    fn or<O: DiscoveryPaths>(self, other: O) -> Or<Self, O>
    where
        Self: Sized,
    {
        Or(self, other)
    }

    /// Matches `prefix` followed by a path that `self` matches, for a server
    /// mounted under a prefix (`/auth` + `/.well-known/...`).
    fn under_prefix(self, prefix: &'static str) -> UnderPrefix<Self>
    where
        Self: Sized,
    {
        UnderPrefix {
            prefix,
            inner: self,
        }
    }
}

impl<F> DiscoveryPaths for F
where
    F: Fn(&str) -> bool + Clone,
{
    fn is_discovery(&self, path: &str) -> bool {
        self(path)
    }
}

impl DiscoveryPaths for &'static str {
    fn is_discovery(&self, path: &str) -> bool {
        path == *self
    }
}

/// The standard discovery placements (the default).
///
/// - `/.well-known/oauth-authorization-server` and
///   `/.well-known/oauth-authorization-server/{issuer-path}` (RFC 8414 §3.1);
/// - `/.well-known/openid-configuration`,
///   `/{issuer-path}/.well-known/openid-configuration` (`OpenID` Connect
///   Discovery §4) and `/.well-known/openid-configuration/{issuer-path}`
///   (the RFC 8414 §5 style that MCP clients also try).
///
/// Matching is by whole segments and case-sensitive: neither
/// `/.well-known/oauth-authorization-server-evil` nor an upper-cased path
/// matches, and `{issuer-path}` must not be empty.
///
/// Only clean paths match (see [`is_clean_path`]): a path with a `.` or `..`
/// segment (also spelled `%2e`, `%2E`), an empty segment, or an encoded
/// slash or backslash is never a discovery path, because an upstream that
/// resolves it would serve some other document
/// (`/.well-known/oauth-authorization-server/../../api/me.json` is
/// `/api/me.json` to most servers).
///
/// ```
/// use oauth_metadata_repair::{DiscoveryPaths, StandardPaths};
///
/// assert!(StandardPaths.is_discovery("/.well-known/oauth-authorization-server/tenant"));
/// assert!(!StandardPaths.is_discovery("/.well-known/oauth-authorization-server/../../api/me.json"));
/// assert!(!StandardPaths.is_discovery("/tenant/%2e%2e/.well-known/openid-configuration"));
/// assert!(!StandardPaths.is_discovery("/.well-known/openid-configuration/a//b"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardPaths;

const OAUTH: &str = "/.well-known/oauth-authorization-server";
const OPENID: &str = "/.well-known/openid-configuration";

impl DiscoveryPaths for StandardPaths {
    fn is_discovery(&self, path: &str) -> bool {
        // The two placements clients ask for are clean as they are (a test
        // says so); then the cheap test first: most paths are not discovery
        // paths at all.
        path == OAUTH || path == OPENID || (is_standard(path) && is_clean_path(path))
    }
}

/// True when `path` (without its query) means the same to every server: it
/// starts with `/`, and no segment is empty (`//`), `.` or `..`, whether
/// spelled plainly or percent-encoded (`%2e`, `%2E`), and no segment holds an
/// encoded slash or a backslash (`%2f`, `%5c`, `\`) that a server could
/// turn into a separator.
///
/// [`StandardPaths`] and [`DiscoveryPaths::under_prefix`] match clean paths
/// only; a closure matcher can call this too. `/` itself is clean.
///
/// ```
/// use oauth_metadata_repair::is_clean_path;
///
/// assert!(is_clean_path("/.well-known/openid-configuration"));
/// assert!(!is_clean_path("/a/../.well-known/openid-configuration"));
/// assert!(!is_clean_path("/a/%2E%2e/b"));
/// assert!(!is_clean_path("/a/./b"));
/// assert!(!is_clean_path("/a//b"));
/// assert!(!is_clean_path("/a%2f..%2fb"));
/// ```
#[must_use]
pub fn is_clean_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    rest.split('/').all(is_clean_segment)
}

fn is_clean_segment(segment: &str) -> bool {
    if segment.is_empty() || segment.contains('\\') {
        return false;
    }
    // Decode only what matters here: `%2e` is a dot; `%2f` and `%5c` are
    // separators to some servers. A segment of one or two dots is a
    // dot-segment (RFC 3986 §3.3); `...` is a name.
    let bytes = segment.as_bytes();
    let mut dots = 0usize;
    let mut other = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let code = [
                bytes[i + 1].to_ascii_lowercase(),
                bytes[i + 2].to_ascii_lowercase(),
            ];
            match &code {
                b"2e" => dots += 1,
                b"2f" | b"5c" => return false,
                _ => other = true,
            }
            i += 3;
            continue;
        }
        if bytes[i] == b'.' {
            dots += 1;
        } else {
            other = true;
        }
        i += 1;
    }
    other || dots > 2
}

fn is_standard(path: &str) -> bool {
    is_or_inserts(path, OAUTH)
        || is_or_inserts(path, OPENID)
        || path
            .strip_suffix(OPENID)
            .is_some_and(|issuer| issuer.len() > 1 && issuer.starts_with('/'))
}

/// `well_known` itself, or `well_known/` followed by a non-empty issuer path.
fn is_or_inserts(path: &str, well_known: &str) -> bool {
    match path.strip_prefix(well_known) {
        Some("") => true,
        Some(rest) => rest.len() > 1 && rest.starts_with('/'),
        None => false,
    }
}

/// Matches what either of two matchers matches; see [`DiscoveryPaths::or`].
#[derive(Debug, Clone, Copy)]
pub struct Or<A, B>(A, B);

impl<A: DiscoveryPaths, B: DiscoveryPaths> DiscoveryPaths for Or<A, B> {
    fn is_discovery(&self, path: &str) -> bool {
        self.0.is_discovery(path) || self.1.is_discovery(path)
    }
}

/// A matcher moved under a path prefix; see [`DiscoveryPaths::under_prefix`].
#[derive(Debug, Clone, Copy)]
pub struct UnderPrefix<M> {
    prefix: &'static str,
    inner: M,
}

impl<M: DiscoveryPaths> DiscoveryPaths for UnderPrefix<M> {
    fn is_discovery(&self, path: &str) -> bool {
        let prefix = self.prefix.trim_end_matches('/');
        is_clean_path(path)
            && path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/') && self.inner.is_discovery(rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_paths_match_the_five_placements() {
        for path in [
            "/.well-known/oauth-authorization-server",
            "/.well-known/oauth-authorization-server/tenant1",
            "/.well-known/oauth-authorization-server/a/b",
            "/.well-known/openid-configuration",
            "/tenant1/.well-known/openid-configuration",
            "/a/b/.well-known/openid-configuration",
            "/.well-known/openid-configuration/tenant1",
        ] {
            assert!(StandardPaths.is_discovery(path), "{path}");
        }
    }

    #[test]
    fn standard_paths_refuse_look_alikes() {
        for path in [
            "/",
            "",
            "/.well-known/oauth-authorization-server-evil",
            "/.well-known/oauth-authorization-server/",
            "/x/.well-known/oauth-authorization-serverx",
            "/x/.well-known/oauth-authorization-server",
            "/.WELL-KNOWN/OAUTH-AUTHORIZATION-SERVER",
            "/.well-known/OpenID-Configuration",
            "/.well-known/openid-configurationx",
            "/.well-known/openid-configuration/",
            "x/.well-known/openid-configuration",
            "/x.well-known/openid-configuration",
            "//.well-known/openid-configuration",
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-authorization-server%2Fx",
        ] {
            assert!(!StandardPaths.is_discovery(path), "{path}");
        }
    }

    #[test]
    fn the_placements_matched_without_the_clean_test_are_clean() {
        assert!(is_clean_path(OAUTH) && is_standard(OAUTH));
        assert!(is_clean_path(OPENID) && is_standard(OPENID));
    }

    #[test]
    fn only_clean_paths_are_discovery_paths() {
        for path in [
            "/.well-known/oauth-authorization-server/../../api/me.json",
            "/.well-known/oauth-authorization-server/%2e%2e/%2E%2E/api/me.json",
            "/.well-known/oauth-authorization-server/.%2e/x",
            "/.well-known/oauth-authorization-server/./x",
            "/.well-known/oauth-authorization-server/..",
            "/.well-known/oauth-authorization-server/a//b",
            "/.well-known/oauth-authorization-server/a%2f..%2fb",
            "/.well-known/oauth-authorization-server/a%5C..",
            "/.well-known/oauth-authorization-server/a\\..\\b",
            "/.well-known/openid-configuration/..",
            "/.well-known/openid-configuration/%2e",
            "/tenant/../../x/.well-known/openid-configuration",
            "/tenant/../.well-known/openid-configuration",
            "/./.well-known/openid-configuration",
            "/a//b/.well-known/openid-configuration",
        ] {
            assert!(!StandardPaths.is_discovery(path), "{path}");
            assert!(!is_clean_path(path), "{path}");
        }
        for path in [
            "/.well-known/oauth-authorization-server/...",
            "/.well-known/oauth-authorization-server/a.b",
            "/.well-known/oauth-authorization-server/.hidden",
            "/.well-known/oauth-authorization-server/a%20b",
            "/.well-known/oauth-authorization-server/%2e%2e%2e",
            "/v1.2/.well-known/openid-configuration",
        ] {
            assert!(StandardPaths.is_discovery(path), "{path}");
        }
        let under = StandardPaths.under_prefix("/auth");
        assert!(!under.is_discovery("/auth/../.well-known/openid-configuration"));
        assert!(!under.is_discovery("/auth/x/%2e%2e/.well-known/openid-configuration"));
        assert!(under.is_discovery("/auth/.well-known/openid-configuration"));
        assert!(is_clean_path("/") && !is_clean_path("") && !is_clean_path("x/y"));
        // A percent sign that encodes nothing is kept as it is.
        assert!(is_clean_path("/a%") && is_clean_path("/%2") && is_clean_path("/.%"));
    }

    #[test]
    fn combinators_extend_and_relocate() {
        let m = StandardPaths.under_prefix("/auth/");
        assert!(m.is_discovery("/auth/.well-known/openid-configuration"));
        assert!(!m.is_discovery("/.well-known/openid-configuration"));
        assert!(!m.is_discovery("/authx/.well-known/openid-configuration"));
        let m = StandardPaths.or(|p: &str| p.ends_with("/metadata.json"));
        assert!(m.is_discovery("/x/metadata.json"));
        assert!(m.is_discovery("/.well-known/openid-configuration"));
        assert!(!m.is_discovery("/x/metadata.jso"));
        assert!(
            DiscoveryPaths::is_discovery(&"/a", "/a")
                && !DiscoveryPaths::is_discovery(&"/a", "/a/")
        );
    }
}
