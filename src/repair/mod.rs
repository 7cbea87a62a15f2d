//! The repair itself: document bytes in, repaired bytes or the reason why not
//! out. No HTTP here, so it can be tested, benchmarked and fuzzed alone.
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

mod rule;
mod scan;

pub use rule::{Placement, Rule, WhenAbsent};

use scan::{duplicate_key, scan_object, string_array, string_is, Member, Object, ScanError};
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

    /// The insertions that repair `doc`, without applying them; the layer
    /// splices them between slices of the buffered document (no copy).
    pub(crate) fn edits(&self, doc: &[u8]) -> Result<Edits, Skip> {
        let names = &self.names;
        let obj = scan_object(doc, names).map_err(|e| match e {
            ScanError::Invalid(offset) => Skip::NotJson { offset },
            ScanError::NotAnObject => Skip::NotAnObject,
        })?;
        if obj.maybe_duplicate {
            if let Some(key) = duplicate_key(doc) {
                return Err(Skip::DuplicateKey { key });
            }
        }
        let find = |name: &str| {
            let i = names.iter().position(|n| n == name)?;
            obj.wanted.get(i)?.as_ref()
        };
        let signed_metadata = find("signed_metadata").is_some();
        if signed_metadata && self.skip_signed_metadata {
            return Err(Skip::SignedMetadata);
        }

        let style = Style::of(doc, &obj);
        let mut edits: Vec<Insert> = Vec::new();
        let mut fields = Vec::new();
        let mut shape_problem = None;
        let mut new_members: Vec<Vec<u8>> = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let field = rule.field();
            if self.rules[..i].iter().any(|r| r.field() == field) {
                continue; // handled with the first rule naming this field
            }
            let group = || self.rules[i..].iter().filter(|r| r.field() == field);
            let Some(member) = find(field) else {
                if let Some(m) = self.new_member(doc, &obj, field, group(), style) {
                    new_members.push(m);
                    fields.push(rule.field_cow());
                }
                continue;
            };
            match self.repair_member(doc, member, group(), style) {
                Ok(Some(mut e)) => {
                    edits.append(&mut e);
                    fields.push(rule.field_cow());
                }
                Ok(None) => {}
                Err(()) => {
                    shape_problem.get_or_insert_with(|| field.to_owned());
                }
            }
        }
        if !new_members.is_empty() {
            // Added after the last member, with its indent; after any edit
            // that ends at the same offset (the sort below is stable).
            let (at, lead) = match &obj.last {
                Some(last) => (last.value.end, Some(&doc[last.lead..last.key.start])),
                None => (obj.open + 1, None),
            };
            let mut text = Vec::new();
            for (n, member) in new_members.iter().enumerate() {
                if let Some(lead) = lead {
                    text.push(b',');
                    text.extend_from_slice(lead);
                } else if n > 0 {
                    text.push(b',');
                }
                text.extend_from_slice(member);
            }
            edits.push(Insert::new(at, text));
        }
        if edits.is_empty() {
            return Err(match shape_problem {
                Some(field) => Skip::UnexpectedShape { field },
                None => Skip::AlreadyCompliant,
            });
        }
        // Stable: edits at one offset keep rule order.
        edits.sort_by_key(|e| e.at);
        Ok(Edits {
            inserts: edits,
            fields,
            signed_metadata,
        })
    }

    /// Values the rules want in `field` that the present ones lack.
    fn missing<'r>(
        &self,
        rules: impl Iterator<Item = &'r Rule>,
        present: impl Fn(&str) -> bool,
    ) -> Vec<&'r str> {
        let mut missing: Vec<&str> = Vec::new();
        for r in rules {
            if !present(r.value()) && !missing.contains(&r.value()) {
                missing.push(r.value());
            }
        }
        missing
    }

    fn repair_member<'r>(
        &self,
        doc: &[u8],
        member: &Member,
        rules: impl Iterator<Item = &'r Rule>,
        style: Style,
    ) -> Result<Option<Vec<Insert>>, ()> {
        let value = member.value.clone();
        match doc[value.start] {
            b'[' => {
                let arr = string_array(doc, value).ok_or(())?;
                let missing = self.missing(rules, |v| {
                    arr.elements.iter().any(|e| string_is(&doc[e.clone()], v))
                });
                if missing.is_empty() {
                    return Ok(None);
                }
                let Some(first) = arr.elements.first() else {
                    let mut text = Vec::new();
                    style.push_list(&mut text, missing.into_iter());
                    return Ok(Some(vec![Insert::new(arr.after_open, text)]));
                };
                // Reuse the upstream's own separator: the bytes between the
                // first two elements, or `,` plus the indent after `[`.
                let sep: Cow<'_, [u8]> = match arr.elements.get(1) {
                    Some(second) => Cow::Borrowed(&doc[first.end..second.start]),
                    None => {
                        let mut s = b",".to_vec();
                        s.extend_from_slice(&doc[arr.after_open..first.start]);
                        Cow::Owned(s)
                    }
                };
                let mut text = Vec::new();
                let at = match self.placement {
                    Placement::Append => {
                        for v in &missing {
                            text.extend_from_slice(&sep);
                            push_json_string(&mut text, v);
                        }
                        arr.elements.last().map_or(first.end, |l| l.end)
                    }
                    Placement::Prepend => {
                        for v in &missing {
                            push_json_string(&mut text, v);
                            text.extend_from_slice(&sep);
                        }
                        first.start
                    }
                };
                Ok(Some(vec![Insert::new(at, text)]))
            }
            b'"' => {
                let token = &doc[value.clone()];
                let missing = self.missing(rules, |v| string_is(token, v));
                if missing.is_empty() {
                    return Ok(None);
                }
                // A single string stands for a one-element list.
                let (open, close) = match self.placement {
                    Placement::Append => {
                        let mut close = Vec::new();
                        for v in &missing {
                            close.extend_from_slice(style.sep());
                            push_json_string(&mut close, v);
                        }
                        close.push(b']');
                        (b"[".to_vec(), close)
                    }
                    Placement::Prepend => {
                        let mut open = b"[".to_vec();
                        for v in &missing {
                            push_json_string(&mut open, v);
                            open.extend_from_slice(style.sep());
                        }
                        (open, b"]".to_vec())
                    }
                };
                Ok(Some(vec![
                    Insert::new(value.start, open),
                    Insert::new(value.end, close),
                ]))
            }
            _ => Err(()),
        }
    }

    /// `"field": [defaults + values]` for an absent field, spelled like the
    /// last member (its colon spacing), or `None` when nothing is to be added.
    fn new_member<'r>(
        &self,
        doc: &[u8],
        obj: &Object,
        field: &str,
        rules: impl Iterator<Item = &'r Rule> + Clone,
        style: Style,
    ) -> Option<Vec<u8>> {
        let defaults: &[Cow<'static, str>] = rules.clone().find_map(|r| match r.absent() {
            WhenAbsent::Assume(d) => Some(d.as_slice()),
            WhenAbsent::Leave => None,
        })?;
        let missing = self.missing(rules, |v| defaults.iter().any(|d| d == v));
        if missing.is_empty() {
            return None;
        }
        let mut text = Vec::new();
        push_json_string(&mut text, field);
        match &obj.last {
            Some(last) => text.extend_from_slice(&doc[last.key.end..last.value.start]),
            None => text.push(b':'),
        }
        text.push(b'[');
        let defaults = defaults.iter().map(AsRef::as_ref);
        match self.placement {
            Placement::Append => style.push_list(&mut text, defaults.chain(missing)),
            Placement::Prepend => style.push_list(&mut text, missing.into_iter().chain(defaults)),
        }
        text.push(b']');
        Some(text)
    }
}

/// How new arrays are spelled: `,` or `, ` between elements, following the
/// document's own colon spacing.
#[derive(Clone, Copy)]
struct Style {
    spaced: bool,
}

impl Style {
    fn of(doc: &[u8], obj: &Object) -> Self {
        let spaced = obj
            .first
            .as_ref()
            .is_some_and(|m| doc[m.key.end..m.value.start].contains(&b' '));
        Self { spaced }
    }

    fn sep(self) -> &'static [u8] {
        if self.spaced {
            b", "
        } else {
            b","
        }
    }

    fn push_list<'a>(self, out: &mut Vec<u8>, values: impl Iterator<Item = &'a str>) {
        for (i, v) in values.enumerate() {
            if i > 0 {
                out.extend_from_slice(self.sep());
            }
            push_json_string(out, v);
        }
    }
}

/// Insertions into a document, sorted by offset.
#[derive(Debug)]
pub(crate) struct Edits {
    inserts: Vec<Insert>,
    pub(crate) fields: Vec<Cow<'static, str>>,
    pub(crate) signed_metadata: bool,
}

impl Edits {
    /// `(offset, bytes)` pairs in document order.
    pub(crate) fn inserts(&self) -> impl Iterator<Item = (usize, &[u8])> {
        self.inserts.iter().map(|i| (i.at, i.text.as_slice()))
    }

    pub(crate) fn repaired_len(&self, doc_len: usize) -> usize {
        doc_len + self.inserts.iter().map(|i| i.text.len()).sum::<usize>()
    }
}

#[derive(Debug)]
struct Insert {
    at: usize,
    text: Vec<u8>,
}

impl Insert {
    fn new(at: usize, text: Vec<u8>) -> Self {
        Self { at, text }
    }
}

fn push_json_string(out: &mut Vec<u8>, s: &str) {
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
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
    /// Not valid JSON (RFC 8259); `offset` is where the grammar broke.
    NotJson {
        /// Byte offset of the first offending byte.
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
