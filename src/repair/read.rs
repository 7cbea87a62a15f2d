//! Where the top-level members of a document are. `serde_json` owns the
//! grammar: each key and value is read as a [`RawValue`], a slice of the
//! input, so its byte range is where that slice lies.

use super::Skip;
use serde::de::{Deserialize, Deserializer as _, Error as _, MapAccess, Visitor};
use serde_json::{value::RawValue, Deserializer};
use std::{borrow::Cow, fmt, ops::Range};

/// One top-level `"key": value` member.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// Offset just after the `{` or `,` that precedes this member.
    pub(crate) lead: usize,
    /// The key token, quotes included.
    pub(crate) key: Range<usize>,
    /// The value, without surrounding whitespace.
    pub(crate) value: Range<usize>,
}

/// The top-level object, read in one pass that keeps its first and last
/// members, the values of the wanted members, and where each key starts.
#[derive(Debug)]
pub(crate) struct Object<'a, S> {
    text: &'a str,
    names: &'a [S],
    /// Offset of the opening `{`.
    pub(crate) open: usize,
    pub(crate) first: Option<Member>,
    pub(crate) last: Option<Member>,
    /// For each wanted name, the value of the member with that key.
    pub(crate) wanted: Vec<Option<Range<usize>>>,
    /// Where each key token starts: 4 bytes a member.
    keys: Vec<u32>,
    escaped_key: bool,
}

/// Reads `text` as one JSON object and finds the members named in `names`.
/// Keys are compared decoded; a repeated key leaves the document alone.
pub(crate) fn object<'a, S: AsRef<str>>(
    text: &'a str,
    names: &'a [S],
) -> Result<Object<'a, S>, Skip> {
    let open = text.len() - text.trim_start_matches(is_ws).len();
    if text.as_bytes().get(open) != Some(&b'{') {
        return Err(match serde_json::from_str::<&RawValue>(text) {
            Ok(_) => Skip::NotAnObject,
            Err(e) => not_json(text, &e),
        });
    }
    let obj = Object {
        text,
        names,
        open,
        first: None,
        last: None,
        wanted: vec![None; names.len()],
        // Real documents spend 40 bytes or more on a member.
        keys: Vec::with_capacity(text.len() / 40 + 1),
        escaped_key: false,
    };
    let mut de = Deserializer::from_str(text);
    let mut obj = de
        .deserialize_map(obj)
        .and_then(|obj| de.end().map(|()| obj))
        .map_err(|e| not_json(text, &e))?;
    obj.refuse_repeated_keys()?;
    Ok(obj)
}

impl<S> Object<'_, S> {
    fn refuse_repeated_keys(&mut self) -> Result<(), Skip> {
        let text = self.text;
        let repeated = if self.escaped_key {
            // Rare: decode every key. One serde_json cannot decode (an
            // unpaired surrogate escape) is no text; clients would not agree
            // on it, so the document is left alone as not JSON.
            let mut keys = Vec::with_capacity(self.keys.len());
            for &at in &self.keys {
                let key = &text[at as usize..];
                keys.push(
                    String::deserialize(&mut Deserializer::from_str(key)).map_err(|_| {
                        Skip::NotJson {
                            offset: at as usize + key.find('\\').unwrap_or(0),
                        }
                    })?,
                );
            }
            keys.sort_unstable();
            keys.windows(2).find(|p| p[0] == p[1]).map(|p| p[0].clone())
        } else {
            // A key without escapes is the text up to its closing quote;
            // keys mostly differ early, so compare lazily.
            let inner = |at: u32| {
                let key = text.as_bytes().get(at as usize + 1..).unwrap_or_default();
                key.iter().take_while(|&&c| c != b'"')
            };
            self.keys.sort_unstable_by(|&a, &b| inner(a).cmp(inner(b)));
            let pair = self.keys.windows(2).find(|p| inner(p[0]).eq(inner(p[1])));
            pair.map(|p| {
                String::from_utf8_lossy(&inner(p[0]).copied().collect::<Vec<u8>>()).into_owned()
            })
        };
        repeated.map_or(Ok(()), |key| Err(Skip::DuplicateKey { key }))
    }
}

impl<'de, S: AsRef<str>> Visitor<'de> for Object<'de, S> {
    type Value = Self;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self, A::Error> {
        while let Some((key, value)) = map.next_entry::<&'de RawValue, &'de RawValue>()? {
            let (Some(key), Some(value)) = (self.range(key), self.range(value)) else {
                return Err(A::Error::custom("a slice outside the document"));
            };
            let token = &self.text[key.clone()];
            let escaped = token.as_bytes().contains(&b'\\');
            self.escaped_key |= escaped;
            let inner = token
                .get(1..token.len().saturating_sub(1))
                .unwrap_or_default();
            let is = |n: &S| match escaped {
                false => inner == n.as_ref(),
                true => string_is(token, n.as_ref()),
            };
            if let Some(i) = self.names.iter().position(is) {
                self.wanted[i] = Some(value.clone());
            }
            let at =
                u32::try_from(key.start).map_err(|_| A::Error::custom("document too large"))?;
            self.keys.push(at);
            let b = self.text.as_bytes();
            let member = Member {
                lead: back_ws(b, key.start),
                key,
                value,
            };
            self.first.get_or_insert_with(|| member.clone());
            self.last = Some(member);
        }
        Ok(self)
    }
}

impl<S> Object<'_, S> {
    /// Where `raw`, a slice of the document, lies in it.
    fn range(&self, raw: &RawValue) -> Option<Range<usize>> {
        range_in(self.text, raw.get())
    }
}

/// Where `part`, a slice of `whole`, lies in it.
fn range_in(whole: &str, part: &str) -> Option<Range<usize>> {
    let at = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (at + part.len() <= whole.len()).then_some(at..at + part.len())
}

/// The elements of an array value, which must all be strings.
#[derive(Debug)]
pub(crate) struct StringArray {
    /// Offset just after `[`.
    pub(crate) after_open: usize,
    /// Each element token, quotes included.
    pub(crate) elements: Vec<Range<usize>>,
}

/// Reads the array at `value` (already validated) as string elements, or
/// `None` when it is not an array of strings.
pub(crate) fn string_array(text: &str, value: Range<usize>) -> Option<StringArray> {
    let array = text.get(value.clone())?;
    let elements: Vec<&RawValue> = serde_json::from_str(array).ok()?;
    let elements = elements
        .iter()
        .map(|e| {
            let at = range_in(text, e.get())?;
            e.get().starts_with('"').then_some(at)
        })
        .collect::<Option<_>>()?;
    Some(StringArray {
        after_open: value.start + 1,
        elements,
    })
}

/// True when the string token (quotes included) decodes to exactly `want`.
/// A token `serde_json` cannot decode (an unpaired surrogate escape) is no
/// text, so it equals nothing.
pub(crate) fn string_is(token: &str, want: &str) -> bool {
    match token.get(1..token.len().saturating_sub(1)) {
        Some(inner) if !inner.contains('\\') => inner == want,
        _ => serde_json::from_str::<Cow<'_, str>>(token).is_ok_and(|s| s == want),
    }
}

fn not_json(text: &str, e: &serde_json::Error) -> Skip {
    // serde_json counts lines from 1 and columns in bytes from 1, at the
    // byte it stopped on; at the end of the input the offset is its length.
    let offset = if e.is_eof() {
        text.len()
    } else {
        let line_start = match e.line().checked_sub(2) {
            None => 0,
            Some(n) => text
                .match_indices('\n')
                .nth(n)
                .map_or(text.len(), |(i, _)| i + 1),
        };
        (line_start + e.column().saturating_sub(1)).min(text.len())
    };
    Skip::NotJson { offset }
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn back_ws(b: &[u8], mut i: usize) -> usize {
    while i
        .checked_sub(1)
        .and_then(|j| b.get(j))
        .is_some_and(|&c| is_ws(char::from(c)))
    {
        i -= 1;
    }
    i
}
