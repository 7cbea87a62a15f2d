//! The edit: which bytes to insert where so that every rule holds, spelled
//! the way the document spells its own arrays and members.

use super::advertise;
use super::read::{self, Object};
use super::{Placement, Repairer, Rule, Skip, WhenAbsent};
use bytes::Bytes;
use std::borrow::Cow;
use std::ops::Range;

/// Insertions into a document, sorted by offset, and what they change.
#[derive(Debug, Clone)]
pub(crate) struct Edits {
    inserts: Vec<(usize, Bytes)>,
    pub(crate) fields: Vec<Cow<'static, str>>,
    pub(crate) signed_metadata: bool,
}

impl Edits {
    /// `(offset, bytes)` pairs in document order.
    pub(crate) fn inserts(&self) -> impl Iterator<Item = (usize, &Bytes)> {
        self.inserts.iter().map(|(at, text)| (*at, text))
    }

    pub(crate) fn repaired_len(&self, doc_len: usize) -> usize {
        doc_len + self.inserts.iter().map(|(_, t)| t.len()).sum::<usize>()
    }
}

impl Repairer {
    /// The insertions that repair `doc`, without applying them.
    pub(crate) fn edits(&self, doc: &[u8]) -> Result<Edits, Skip> {
        let text = std::str::from_utf8(doc).map_err(|e| Skip::NotJson {
            offset: e.valid_up_to(),
        })?;
        let obj = read::object(text, &self.names)?;
        // `names` starts with `signed_metadata`, then each rule's field once.
        let find = |name: &str| {
            obj.wanted
                .get(self.names.iter().position(|n| n == name)?)?
                .clone()
        };
        let signed_metadata = obj.wanted.first().is_some_and(Option::is_some);
        if signed_metadata && self.skip_signed_metadata {
            return Err(Skip::SignedMetadata);
        }
        let style = Style::of(doc, &obj);
        let (mut inserts, mut fields) = (Vec::new(), Vec::new());
        let mut added = Vec::new();
        let mut shape_problem = None;
        for (i, rule) in self.rules.iter().enumerate() {
            let field = rule.field();
            if self.rules[..i].iter().any(|r| r.field() == field) {
                continue; // handled with the first rule naming this field
            }
            let group = || self.rules[i..].iter().filter(|r| r.field() == field);
            let Some(value) = find(field) else {
                if self.new_member(doc, &obj, field, group(), style, &mut added) {
                    fields.push(rule.field_cow());
                }
                continue;
            };
            match self.repair_member(text, value, group(), style) {
                Some(mut e) if !e.is_empty() => {
                    inserts.append(&mut e);
                    fields.push(rule.field_cow());
                }
                Some(_) => {}
                None => {
                    shape_problem.get_or_insert_with(|| field.to_owned());
                }
            }
        }
        if self.advertise_iss {
            let (issuer, stated) = (find("issuer"), find(advertise::SUPPORTED_MEMBER));
            if advertise::decide(text, issuer, stated).is_ok() {
                let field = advertise::SUPPORTED_MEMBER;
                member_head(doc, &obj, field, &mut added);
                added.extend_from_slice(b"true");
                fields.push(Cow::Borrowed(field));
            }
        }
        if !added.is_empty() {
            // After the last member, and after any edit that ends at the
            // same offset (the sort below is stable).
            let at = obj.last.as_ref().map_or(obj.open + 1, |l| l.value.end);
            inserts.push((at, Bytes::from(added)));
        }
        if inserts.is_empty() {
            return Err(shape_problem.map_or(Skip::AlreadyCompliant, |field| {
                Skip::UnexpectedShape { field }
            }));
        }
        inserts.sort_by_key(|(at, _)| *at);
        Ok(Edits {
            inserts,
            fields,
            signed_metadata,
        })
    }

    /// Values the rules want in a field that `present` says it lacks.
    fn missing<'r>(
        rules: impl Iterator<Item = &'r Rule>,
        present: impl Fn(&str) -> bool,
    ) -> Vec<&'r str> {
        let mut missing: Vec<&str> = Vec::new();
        for v in rules.map(Rule::value) {
            if !present(v) && !missing.contains(&v) {
                missing.push(v);
            }
        }
        missing
    }

    /// The insertions for a present field, or `None` for an odd shape. A
    /// single string stands for a one-element list and is wrapped in one.
    fn repair_member<'r>(
        &self,
        text: &str,
        value: Range<usize>,
        rules: impl Iterator<Item = &'r Rule>,
        style: Style,
    ) -> Option<Vec<(usize, Bytes)>> {
        let doc = text.as_bytes();
        let wrap = text.get(value.clone())?.starts_with('"');
        let (after_open, elements) = if wrap {
            (value.start, vec![value.clone()])
        } else {
            let arr = read::string_array(text, value.clone())?;
            (arr.after_open, arr.elements)
        };
        let present = |v: &str| {
            elements
                .iter()
                .any(|e| read::string_is(&text[e.clone()], v))
        };
        let missing = Self::missing(rules, present);
        let mut out = Vec::new();
        let (Some(first), Some(last)) = (elements.first(), elements.last()) else {
            style.push_list(&mut out, missing.into_iter());
            return Some(if out.is_empty() {
                Vec::new()
            } else {
                vec![(after_open, out.into())]
            });
        };
        if missing.is_empty() {
            return Some(Vec::new());
        }
        // Reuse the upstream's own separator: the bytes between the first
        // two elements, or `,` plus the indent after `[`.
        let sep: Cow<'_, [u8]> = match elements.get(1) {
            Some(second) => Cow::Borrowed(&doc[first.end..second.start]),
            None if wrap => Cow::Borrowed(style.sep()),
            None => Cow::Owned([b",", &doc[after_open..first.start]].concat()),
        };
        let append = self.placement == Placement::Append;
        for v in &missing {
            out.extend_from_slice(if append { &sep } else { b"" });
            push_json_string(&mut out, v);
            out.extend_from_slice(if append { b"" } else { &sep });
        }
        let at = if append { last.end } else { first.start };
        let mut edits = vec![(at, Bytes::from(out))];
        if wrap {
            // Sorted stably by offset: `[` comes before, `]` after the values.
            edits.insert(0, (value.start, Bytes::from_static(b"[")));
            edits.push((value.end, Bytes::from_static(b"]")));
        }
        Some(edits)
    }

    /// Appends `, "field": [defaults + values]` for an absent field to
    /// `text`, spelled like the last member (its indent and colon spacing);
    /// false when nothing is to be added.
    fn new_member<'r, S>(
        &self,
        doc: &[u8],
        obj: &Object<'_, S>,
        field: &str,
        rules: impl Iterator<Item = &'r Rule> + Clone,
        style: Style,
        text: &mut Vec<u8>,
    ) -> bool {
        let defaults = rules.clone().find_map(|r| match r.absent() {
            WhenAbsent::Assume(d) => Some(d.as_slice()),
            WhenAbsent::Leave => None,
        });
        let Some(defaults) = defaults else {
            return false;
        };
        let missing = Self::missing(rules, |v| defaults.iter().any(|d| d == v));
        if missing.is_empty() {
            return false;
        }
        member_head(doc, obj, field, text);
        text.push(b'[');
        let defaults = defaults.iter().map(AsRef::as_ref);
        match self.placement {
            Placement::Append => style.push_list(text, defaults.chain(missing)),
            Placement::Prepend => style.push_list(text, missing.into_iter().chain(defaults)),
        }
        text.push(b']');
        true
    }
}

/// Appends `, "field":` to `text`, spelled like the last member (its indent
/// and colon spacing).
fn member_head<S>(doc: &[u8], obj: &Object<'_, S>, field: &str, text: &mut Vec<u8>) {
    text.reserve(96);
    if obj.last.is_some() || !text.is_empty() {
        text.push(b',');
    }
    if let Some(last) = &obj.last {
        text.extend_from_slice(&doc[last.lead..last.key.start]);
    }
    push_json_string(text, field);
    match &obj.last {
        Some(last) => text.extend_from_slice(&doc[last.key.end..last.value.start]),
        None => text.push(b':'),
    }
}

/// How new arrays are spelled: `,` or `, ` between elements, following the
/// document's own colon spacing.
#[derive(Clone, Copy)]
struct Style {
    spaced: bool,
}

impl Style {
    fn of<S>(doc: &[u8], obj: &Object<'_, S>) -> Self {
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

/// Appends `s` as a JSON string; `serde_json` escapes what needs it.
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing a `&str` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(out, s);
    }
}
