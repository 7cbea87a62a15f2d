use std::borrow::Cow;

/// One requirement on a discovery document: the top-level array `field`
/// must contain the string `value`.
///
/// ```
/// use oauth_metadata_repair::repair::{Rule, WhenAbsent};
///
/// let rule = Rule::new("grant_types_supported", "refresh_token")
///     .when_absent(WhenAbsent::assume(["authorization_code", "implicit"]));
/// assert_eq!(rule.field(), "grant_types_supported");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    field: Cow<'static, str>,
    value: Cow<'static, str>,
    when_absent: WhenAbsent,
}

/// What a [`Rule`] does when its field is missing from the document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenAbsent {
    /// Leave the document as it is: the absent field means something that
    /// cannot be written down as a list.
    Leave,
    /// The absent field means this list (the specification's default). The
    /// field is added with these values plus the rule's value.
    Assume(Vec<Cow<'static, str>>),
}

impl WhenAbsent {
    /// [`WhenAbsent::Assume`] from any list of strings.
    pub fn assume<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        Self::Assume(values.into_iter().map(Into::into).collect())
    }
}

/// Where a missing value goes in an existing array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Placement {
    /// After the upstream's values (the default): the upstream's order of
    /// preference is kept.
    #[default]
    Append,
    /// Before the upstream's values, for clients that pick the first one.
    Prepend,
}

impl Rule {
    /// A rule that does nothing when the field is absent.
    pub fn new(field: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) -> Self {
        Self {
            field: field.into(),
            value: value.into(),
            when_absent: WhenAbsent::Leave,
        }
    }

    /// Sets what happens when the field is absent.
    #[must_use]
    pub fn when_absent(mut self, when_absent: WhenAbsent) -> Self {
        self.when_absent = when_absent;
        self
    }

    /// `"none"` in `token_endpoint_auth_methods_supported`: the default rule.
    ///
    /// Absent, the field means `["client_secret_basic"]` (RFC 8414 §2), so
    /// the repaired field is `["client_secret_basic", "none"]`.
    #[must_use]
    pub fn token_endpoint_none() -> Self {
        Self::new("token_endpoint_auth_methods_supported", "none")
            .when_absent(WhenAbsent::assume(["client_secret_basic"]))
    }

    /// `"none"` in `revocation_endpoint_auth_methods_supported`.
    ///
    /// Absent, the field means `["client_secret_basic"]` (RFC 8414 §2).
    /// Only useful when the server's revocation endpoint accepts public
    /// clients (RFC 7009 §2.1 lets it).
    #[must_use]
    pub fn revocation_endpoint_none() -> Self {
        Self::new("revocation_endpoint_auth_methods_supported", "none")
            .when_absent(WhenAbsent::assume(["client_secret_basic"]))
    }

    /// `"none"` in `introspection_endpoint_auth_methods_supported`.
    ///
    /// Absent, RFC 8414 §2 says the methods are "determined by other means",
    /// so an absent field is never written.
    #[must_use]
    pub fn introspection_endpoint_none() -> Self {
        Self::new("introspection_endpoint_auth_methods_supported", "none")
    }

    /// `"S256"` in `code_challenge_methods_supported`.
    ///
    /// Absent, the field means the server does not support PKCE (RFC 8414
    /// §2), and MCP clients refuse such a server; this rule then adds
    /// `["S256"]`. It advertises a capability, so turn it on only for a
    /// server that does verify S256 challenges.
    #[must_use]
    pub fn code_challenge_s256() -> Self {
        Self::new("code_challenge_methods_supported", "S256")
            .when_absent(WhenAbsent::Assume(Vec::new()))
    }

    /// The top-level field this rule looks at.
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }

    pub(crate) fn field_cow(&self) -> Cow<'static, str> {
        self.field.clone()
    }

    /// The string the field must contain.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What happens when the field is absent.
    #[must_use]
    pub fn absent(&self) -> &WhenAbsent {
        &self.when_absent
    }
}
