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
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardPaths;

const OAUTH: &str = "/.well-known/oauth-authorization-server";
const OPENID: &str = "/.well-known/openid-configuration";

impl DiscoveryPaths for StandardPaths {
    fn is_discovery(&self, path: &str) -> bool {
        is_or_inserts(path, OAUTH)
            || is_or_inserts(path, OPENID)
            || path
                .strip_suffix(OPENID)
                .is_some_and(|issuer| issuer.len() > 1 && issuer.starts_with('/'))
    }
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
        path.strip_prefix(prefix)
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
