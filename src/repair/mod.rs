//! The repair itself: document bytes in, repaired bytes or the reason why not
//! out. No HTTP here, so it can be tested, benchmarked and fuzzed alone.
//!
//! `serde_json` reads the document (each top-level value as a `RawValue`,
//! a slice of the input, so nothing is rebuilt); this module only decides
//! which bytes to insert where.
//!
//! ```
//! use oauth_metadata_repair::repair::Repairer;
//!
//! let doc = br#"{"issuer":"https://as.example","token_endpoint_auth_methods_supported":["client_secret_post"]}"#;
//! let repaired = Repairer::new().repair(doc).unwrap();
//! assert_eq!(
//!     repaired.as_bytes(),
//!     br#"{"issuer":"https://as.example","token_endpoint_auth_methods_supported":["client_secret_post","none"]}"#
//! );
//! ```

pub(crate) mod advertise;
mod edit;
pub(crate) mod read;
mod rule;

pub(crate) use edit::Edits;
pub use rule::{Placement, Rule, WhenAbsent};

use std::borrow::Cow;
use std::fmt;

/// Applies a set of [`Rule`]s to discovery documents.
///
/// The default has exactly one rule, [`Rule::token_endpoint_none`], appends,
/// and repairs documents that carry `signed_metadata`.
///
/// Cheap to share: it holds only the rule list. Build it once and call
/// [`Repairer::repair`] for each document.
#[derive(Debug, Clone)]
pub struct Repairer {
    rules: Vec<Rule>,
    /// `signed_metadata` and each rule's field once: the members to find.
    names: Vec<Cow<'static, str>>,
    placement: Placement,
    skip_signed_metadata: bool,
    advertise_iss: bool,
}

impl Default for Repairer {
    fn default() -> Self {
        Self::new()
    }
}

impl Repairer {
    /// A repairer with the default rule: `"none"` in
    /// `token_endpoint_auth_methods_supported`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            rules: vec![Rule::token_endpoint_none()],
            names: Vec::new(),
            placement: Placement::Append,
            skip_signed_metadata: false,
            advertise_iss: false,
        }
        .with_names()
    }

    fn with_names(mut self) -> Self {
        let mut names: Vec<Cow<'static, str>> = vec![Cow::Borrowed("signed_metadata")];
        for rule in &self.rules {
            if !names.iter().any(|n| n == rule.field()) {
                names.push(rule.field_cow());
            }
        }
        if self.advertise_iss {
            names.push(Cow::Borrowed("issuer"));
            names.push(Cow::Borrowed(advertise::SUPPORTED_MEMBER));
        }
        self.names = names;
        self
    }

    /// Adds a rule to those already present.
    ///
    /// ```
    /// use oauth_metadata_repair::repair::{Repairer, Rule};
    ///
    /// let repairer = Repairer::new().rule(Rule::code_challenge_s256());
    /// let out = repairer.repair(br#"{"token_endpoint_auth_methods_supported":[]}"#).unwrap();
    /// assert_eq!(
    ///     out.as_bytes(),
    ///     br#"{"token_endpoint_auth_methods_supported":["none"],"code_challenge_methods_supported":["S256"]}"#
    /// );
    /// ```
    #[must_use]
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self.with_names()
    }

    /// Replaces every rule, the default one included.
    #[must_use]
    pub fn rules(mut self, rules: impl IntoIterator<Item = Rule>) -> Self {
        self.rules = rules.into_iter().collect();
        self.with_names()
    }

    /// Where a missing value goes in an existing array. The default is
    /// [`Placement::Append`].
    #[must_use]
    pub fn placement(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// Leave documents that carry `signed_metadata` alone instead of
    /// repairing their plain JSON members. The default is `false`: the plain
    /// members are repaired and the signed JWT is kept byte for byte (a
    /// client that prefers the signed values then sees the upstream's).
    #[must_use]
    pub fn skip_signed_metadata(mut self, skip: bool) -> Self {
        self.skip_signed_metadata = skip;
        self
    }

    /// Adds `"authorization_response_iss_parameter_supported": true` to
    /// authorization-server metadata, for a server whose redirects get `iss`
    /// (RFC 9207 §3). The default is `false`.
    ///
    /// Only a document for which [`learn_issuer`](crate::iss::learn_issuer)
    /// gives an issuer gets it: one with an `issuer` string that does not
    /// state the member yet. Protected-resource metadata has no `issuer` and
    /// is left as it is.
    ///
    /// ```
    /// use oauth_metadata_repair::repair::Repairer;
    ///
    /// let doc = br#"{"issuer":"https://as.example/","token_endpoint_auth_methods_supported":["none"]}"#;
    /// let out = Repairer::new().advertise_iss(true).repair(doc).unwrap();
    /// assert_eq!(
    ///     out.as_bytes(),
    ///     br#"{"issuer":"https://as.example/","token_endpoint_auth_methods_supported":["none"],"authorization_response_iss_parameter_supported":true}"#
    /// );
    /// ```
    #[must_use]
    pub fn advertise_iss(mut self, advertise: bool) -> Self {
        self.advertise_iss = advertise;
        self.with_names()
    }

    /// True when [`Repairer::advertise_iss`] is on.
    #[must_use]
    pub fn advertises_iss(&self) -> bool {
        self.advertise_iss
    }

    pub(crate) fn placement_in_force(&self) -> Placement {
        self.placement
    }

    /// The rules in force, in the order they are applied.
    #[must_use]
    pub fn rule_list(&self) -> &[Rule] {
        &self.rules
    }

    /// Repairs one document.
    ///
    /// On success the output equals the input plus inserted bytes only: no
    /// byte of the input is removed, changed or moved relative to the others.
    ///
    /// # Errors
    ///
    /// [`Skip`] says why the document was left as it is: it already satisfies
    /// every rule, is not JSON, is not an object, repeats a top-level key, or
    /// has a field of an unexpected shape.
    pub fn repair(&self, doc: &[u8]) -> Result<Repaired, Skip> {
        let edits = self.edits(doc)?;
        let mut out = Vec::with_capacity(edits.repaired_len(doc.len()));
        let mut from = 0;
        for (at, text) in edits.inserts() {
            out.extend_from_slice(&doc[from..at]);
            out.extend_from_slice(text);
            from = at;
        }
        out.extend_from_slice(&doc[from..]);
        Ok(Repaired {
            bytes: out,
            fields: edits.fields,
            signed_metadata: edits.signed_metadata,
        })
    }
}

/// A repaired document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    bytes: Vec<u8>,
    fields: Vec<Cow<'static, str>>,
    signed_metadata: bool,
}

impl Repaired {
    /// The repaired document.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The repaired document, by value.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The top-level fields that were changed or added, in rule order.
    #[must_use]
    pub fn fields(&self) -> &[Cow<'static, str>] {
        &self.fields
    }

    /// True when the document carries `signed_metadata`, which was kept byte
    /// for byte and so still states the upstream's original values.
    #[must_use]
    pub fn kept_signed_metadata(&self) -> bool {
        self.signed_metadata
    }
}

/// Why a document was left as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// Every rule is already satisfied.
    AlreadyCompliant,
    /// Not JSON as `serde_json` reads it (RFC 8259, UTF-8 included; a key
    /// that is an unpaired surrogate escape is refused too); `offset` is
    /// where reading stopped.
    NotJson {
        /// Byte offset where `serde_json` stopped, or of the first invalid
        /// UTF-8 byte; the input's length when it ended too early.
        offset: usize,
    },
    /// Valid JSON, but the top-level value is not an object.
    NotAnObject,
    /// A top-level key appears twice, so clients may disagree on its value.
    DuplicateKey {
        /// The repeated key, decoded.
        key: String,
    },
    /// A rule's field is neither an array of strings nor a string.
    UnexpectedShape {
        /// The field's name.
        field: String,
    },
    /// The document carries `signed_metadata` and the repairer was told to
    /// skip such documents.
    SignedMetadata,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyCompliant => f.write_str("already compliant"),
            Self::NotJson { offset } => write!(f, "not json (at byte {offset})"),
            Self::NotAnObject => f.write_str("not a json object"),
            Self::DuplicateKey { key } => write!(f, "duplicate top-level key {key:?}"),
            Self::UnexpectedShape { field } => write!(f, "unexpected shape of {field:?}"),
            Self::SignedMetadata => f.write_str("carries signed_metadata"),
        }
    }
}

impl std::error::Error for Skip {}

#[cfg(test)]
mod tests;
