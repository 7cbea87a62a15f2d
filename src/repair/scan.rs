//! A validating JSON scanner that records where the top-level members are.
//!
//! It checks the whole document against the RFC 8259 grammar (UTF-8,
//! strings, escapes, numbers, literals, nesting, nothing after the value) in
//! one pass without recursion, and reports byte offsets instead of building a
//! tree, so the caller can edit the document in place.

use std::borrow::Cow;
use std::ops::Range;

/// Why a document could not be scanned as a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// Not valid JSON; the byte offset where the grammar broke.
    Invalid(usize),
    /// Valid JSON whose top-level value is not an object.
    NotAnObject,
}

/// One top-level `"key": value` member.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// Offset just after the `{` or `,` that precedes this member.
    pub(crate) lead: usize,
    /// The key token, quotes included.
    pub(crate) key: Range<usize>,
    /// The key contains an escape, so its bytes are not its text.
    pub(crate) key_escaped: bool,
    /// The value, without surrounding whitespace.
    pub(crate) value: Range<usize>,
}

/// What the repair needs to know about the top-level object, gathered in
/// one pass without keeping every member: a few members, and a hash per key
/// to detect repeated keys.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    /// Offset of the opening `{`.
    pub(crate) open: usize,
    pub(crate) first: Option<Member>,
    pub(crate) last: Option<Member>,
    /// For each wanted name, the member with that key (the first one).
    pub(crate) wanted: Vec<Option<Member>>,
    /// Two keys hashed alike: call [`duplicate_key`] to know for sure.
    pub(crate) maybe_duplicate: bool,
}

/// Scans `doc`, which must be a single JSON object with optional whitespace
/// around it, and finds the members named in `wanted`.
pub(crate) fn scan_object<S: AsRef<str>>(doc: &[u8], wanted: &[S]) -> Result<Object, ScanError> {
    let mut first = None;
    let mut last = None;
    let mut found = vec![None; wanted.len()];
    // Eight bytes per member, on the stack for up to 64 members (discovery
    // documents have 20 to 60), then on the heap.
    let mut small = [0u64; 64];
    let mut count = 0;
    let mut more: Vec<u64> = Vec::new();
    let open = scan_members(doc, |m| {
        let token = &doc[m.key.clone()];
        for (slot, name) in found.iter_mut().zip(wanted) {
            let name = name.as_ref();
            let same = if m.key_escaped {
                decode(token) == *name
            } else {
                &token[1..token.len() - 1] == name.as_bytes()
            };
            if same && slot.is_none() {
                *slot = Some(m.clone());
            }
        }
        let hash = if m.key_escaped {
            key_hash(decode(token).as_bytes())
        } else {
            key_hash(&token[1..token.len() - 1])
        };
        match small.get_mut(count) {
            Some(slot) => *slot = hash,
            None => more.push(hash),
        }
        count += 1;
        if first.is_none() {
            first = Some(m.clone());
        }
        last = Some(m);
    })?;
    let hashes: &mut [u64] = if more.is_empty() {
        &mut small[..count]
    } else {
        more.extend_from_slice(&small);
        &mut more
    };
    hashes.sort_unstable();
    let maybe_duplicate = hashes.windows(2).any(|w| w[0] == w[1]);
    Ok(Object {
        open,
        first,
        last,
        wanted: found,
        maybe_duplicate,
    })
}

/// The first top-level key that appears twice, decoded, compared exactly.
/// Only called after [`Object::maybe_duplicate`], so it may allocate.
pub(crate) fn duplicate_key(doc: &[u8]) -> Option<String> {
    let mut keys: Vec<Cow<'_, str>> = Vec::new();
    scan_members(doc, |m| keys.push(decode(&doc[m.key]))).ok()?;
    keys.sort_unstable();
    keys.windows(2)
        .find(|w| w[0] == w[1])
        .map(|w| w[0].clone().into_owned())
}

/// A fast 64-bit hash of a decoded key, eight bytes at a time; collisions
/// only cost an exact re-check.
fn key_hash(text: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = text.len() as u64;
    let mut words = text.chunks_exact(8);
    for w in &mut words {
        let mut buf = [0; 8];
        buf.copy_from_slice(w);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    let mut buf = [0; 8];
    buf[..words.remainder().len()].copy_from_slice(words.remainder());
    (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K)
}

/// Validates the document as one object and calls `on_member` for each
/// top-level member in order; returns the offset of `{`.
fn scan_members(doc: &[u8], mut on_member: impl FnMut(Member)) -> Result<usize, ScanError> {
    if let Err(e) = std::str::from_utf8(doc) {
        return Err(ScanError::Invalid(e.valid_up_to()));
    }
    let mut s = Scanner {
        b: doc,
        i: 0,
        stack: Nesting::default(),
    };
    s.ws();
    if s.peek() != Some(b'{') {
        // Tell "valid but not an object" from "not JSON at all".
        s.value()?;
        s.ws();
        return Err(if s.i == doc.len() {
            ScanError::NotAnObject
        } else {
            ScanError::Invalid(s.i)
        });
    }
    let open = s.i;
    s.i += 1;
    let mut lead = s.i;
    s.ws();
    if s.peek() == Some(b'}') {
        s.i += 1;
    } else {
        loop {
            let key_start = s.i;
            let key_escaped = s.string()?;
            let key = key_start..s.i;
            s.ws();
            s.expect(b':')?;
            s.ws();
            let value_start = s.i;
            s.value()?;
            on_member(Member {
                lead,
                key,
                key_escaped,
                value: value_start..s.i,
            });
            s.ws();
            match s.next() {
                Some(b',') => {
                    lead = s.i;
                    s.ws();
                }
                Some(b'}') => break,
                _ => return Err(s.error()),
            }
        }
    }
    s.ws();
    if s.i != doc.len() {
        return Err(ScanError::Invalid(s.i));
    }
    Ok(open)
}

/// The elements of an array value, which must all be strings.
#[derive(Debug, Clone)]
pub(crate) struct StringArray {
    /// Offset just after `[`.
    pub(crate) after_open: usize,
    /// Each element token, quotes included.
    pub(crate) elements: Vec<Range<usize>>,
}

/// Reads an already validated array value as a list of string elements.
/// Returns `None` when some element is not a string.
pub(crate) fn string_array(doc: &[u8], value: Range<usize>) -> Option<StringArray> {
    let mut s = Scanner {
        b: &doc[..value.end],
        i: value.start,
        stack: Nesting::default(),
    };
    if s.next() != Some(b'[') {
        return None;
    }
    let after_open = s.i;
    let mut elements = Vec::new();
    s.ws();
    if s.peek() == Some(b']') {
        return Some(StringArray {
            after_open,
            elements,
        });
    }
    loop {
        let start = s.i;
        s.string().ok()?;
        elements.push(start..s.i);
        s.ws();
        match s.next() {
            Some(b',') => s.ws(),
            Some(b']') => {
                return Some(StringArray {
                    after_open,
                    elements,
                })
            }
            _ => return None,
        }
    }
}

/// Decodes a validated string token (quotes included).
///
/// Escapes are resolved; a lone surrogate becomes U+FFFD, so two distinct
/// malformed strings may decode alike (callers only use this to compare, and
/// treat a spurious match conservatively).
pub(crate) fn decode(token: &[u8]) -> Cow<'_, str> {
    let inner = &token[1..token.len() - 1];
    if !inner.contains(&b'\\') {
        // The scanner checked UTF-8 for the whole document.
        return String::from_utf8_lossy(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut units: Vec<u16> = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        if c == b'\\' && inner.get(i + 1) == Some(&b'u') {
            units.push(hex4(&inner[i + 2..i + 6]));
            i += 6;
            continue;
        }
        flush_units(&mut units, &mut out);
        if c == b'\\' {
            out.push(match inner[i + 1] {
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                other => char::from(other),
            });
            i += 2;
        } else {
            let run = inner[i..]
                .iter()
                .position(|&b| b == b'\\')
                .map_or(inner.len(), |p| i + p);
            out.push_str(&String::from_utf8_lossy(&inner[i..run]));
            i = run;
        }
    }
    flush_units(&mut units, &mut out);
    Cow::Owned(out)
}

fn flush_units(units: &mut Vec<u16>, out: &mut String) {
    out.extend(char::decode_utf16(units.drain(..)).map(|r| r.unwrap_or('\u{fffd}')));
}

fn hex4(h: &[u8]) -> u16 {
    h.iter().fold(0, |acc, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => d - b'A' + 10,
        };
        (acc << 4) | u16::from(v)
    })
}

/// True when the string token decodes to exactly `text`.
pub(crate) fn string_is(token: &[u8], text: &str) -> bool {
    let inner = &token[1..token.len() - 1];
    if inner.contains(&b'\\') {
        decode(token) == text
    } else {
        inner == text.as_bytes()
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    /// Open containers while skipping a value; kept across values.
    stack: Nesting,
}

/// A stack of open containers (true: object, false: array): bits in a word
/// for the first 128 levels, then on the heap, so ordinary documents nest
/// without allocating and deep ones cannot overflow the call stack.
#[derive(Default)]
struct Nesting {
    bits: u128,
    depth: usize,
    deeper: Vec<bool>,
}

impl Nesting {
    fn push(&mut self, object: bool) {
        if self.depth < 128 {
            self.bits = (self.bits & !(1u128 << self.depth)) | (u128::from(object) << self.depth);
        } else {
            self.deeper.push(object);
        }
        self.depth += 1;
    }

    fn last(&self) -> Option<bool> {
        match self.depth {
            0 => None,
            d if d <= 128 => Some(self.bits >> (d - 1) & 1 == 1),
            _ => self.deeper.last().copied(),
        }
    }

    fn pop(&mut self) {
        if self.depth > 128 {
            self.deeper.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn clear(&mut self) {
        self.depth = 0;
        self.deeper.clear();
    }
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn error(&self) -> ScanError {
        ScanError::Invalid(self.i.min(self.b.len()))
    }

    fn expect(&mut self, c: u8) -> Result<(), ScanError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A string token; UTF-8 was checked up front. True when it contains an
    /// escape.
    fn string(&mut self) -> Result<bool, ScanError> {
        self.expect(b'"')?;
        let mut escaped = false;
        loop {
            if !self.seek_special_byte() {
                return Err(self.error());
            }
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Ok(escaped);
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match self.next() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => {
                            for _ in 0..4 {
                                if !self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                                    return Err(self.error());
                                }
                                self.i += 1;
                            }
                        }
                        Some(_) => {
                            self.i -= 1;
                            return Err(self.error());
                        }
                        None => return Err(self.error()),
                    }
                }
                _ => return Err(self.error()),
            }
        }
    }

    /// Moves to the next `"`, `\\` or control character inside a string;
    /// false at the end of the input.
    fn seek_special_byte(&mut self) -> bool {
        while let Some(found) = self.special_in_word() {
            if found {
                return true;
            }
        }
        while let Some(&c) = self.b.get(self.i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                return true;
            }
            self.i += 1;
        }
        false
    }

    /// Looks at the next eight bytes (SWAR: the bit tricks flag a zero byte,
    /// or a byte below 0x20, in a 64-bit word; the lowest flag is exact, so
    /// it gives the offset of the first match). `Some(true)` at a match,
    /// `Some(false)` after moving past eight plain bytes, `None` with fewer
    /// than eight left.
    fn special_in_word(&mut self) -> Option<bool> {
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        const fn has_zero(v: u64) -> u64 {
            v.wrapping_sub(LO) & !v & HI
        }
        let word = self.b.get(self.i..self.i + 8)?;
        let w = u64::from_le_bytes(<[u8; 8]>::try_from(word).ok()?);
        let special = has_zero(w ^ (LO * u64::from(b'"')))
            | has_zero(w ^ (LO * u64::from(b'\\')))
            | (w.wrapping_sub(LO * 0x20) & !w & HI);
        if special != 0 {
            self.i += (special.trailing_zeros() / 8) as usize;
            return Some(true);
        }
        self.i += 8;
        Some(false)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<(), ScanError> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error()),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.error());
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.error());
            }
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ScanError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// One value of any kind; nesting is tracked on a heap stack, so a
    /// deeply nested document cannot overflow the call stack.
    fn value(&mut self) -> Result<(), ScanError> {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        let result = self.value_with(&mut stack);
        self.stack = stack;
        result
    }

    fn value_with(&mut self, stack: &mut Nesting) -> Result<(), ScanError> {
        loop {
            self.ws();
            match self.peek() {
                Some(b'{') => {
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                    } else {
                        stack.push(true);
                        self.key()?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                    } else {
                        stack.push(false);
                        continue;
                    }
                }
                Some(b'"') => {
                    self.string()?;
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                _ => return Err(self.error()),
            }
            // A value is complete: close containers until one wants more.
            loop {
                let Some(in_object) = stack.last() else {
                    return Ok(());
                };
                self.ws();
                let c = self.peek();
                if c.is_some() {
                    self.i += 1;
                }
                match c {
                    Some(b',') => {
                        if in_object {
                            self.ws();
                            self.key()?;
                        }
                        break;
                    }
                    Some(b'}') if in_object => {
                        stack.pop();
                    }
                    Some(b']') if !in_object => {
                        stack.pop();
                    }
                    Some(_) => {
                        self.i -= 1;
                        return Err(self.error());
                    }
                    None => return Err(self.error()),
                }
            }
        }
    }

    /// `"key" :` inside a nested object.
    fn key(&mut self) -> Result<(), ScanError> {
        self.string()?;
        self.ws();
        self.expect(b':')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(doc: &str) -> bool {
        match scan_object::<&str>(doc.as_bytes(), &[]) {
            Ok(_) | Err(ScanError::NotAnObject) => true,
            Err(ScanError::Invalid(_)) => false,
        }
    }

    #[test]
    fn accepts_the_rfc_8259_grammar() {
        for doc in [
            "{}",
            " {\"a\" : [1, -0.5e+3, 2E-2, true, false, null, {\"b\": []}]}\r\n",
            r#"{"s": "\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00 é"}"#,
            "[]",
            "0",
            "\"x\"",
            "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]",
        ] {
            assert!(valid(doc), "{doc}");
        }
    }

    #[test]
    fn rejects_what_rfc_8259_rejects() {
        for doc in [
            "",
            "{",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{'a':1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":1e}",
            "{\"a\":+1}",
            "{\"a\":tru}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12g4\"}",
            "{\"a\":\"\t\"}",
            "{\"a\":[1,]}",
            "{\"a\":[1 2]}",
            "{\"a\":1}x",
            "{\"a\":1}{}",
            "\u{feff}{}",
            "{\"a\":\"unterminated}",
            "{\"a\":[}",
            "{\"a\":{\"b\":1]}",
            "NaN",
        ] {
            assert!(!valid(doc), "{doc:?}");
        }
        assert_eq!(
            scan_object::<&str>(b"{\"a\":\"\xff\"}", &[]).unwrap_err(),
            ScanError::Invalid(6)
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(scan_object::<&str>(deep.as_bytes(), &[]).is_ok());
        let broken = format!("{{\"a\":{}}}", "[".repeat(200_000));
        assert!(scan_object::<&str>(broken.as_bytes(), &[]).is_err());
    }

    #[test]
    fn mixed_nesting_past_128_levels_is_tracked_exactly() {
        let open: String = (0..300)
            .map(|i| if i % 2 == 0 { "{\"a\":" } else { "[" })
            .collect();
        let close: String = (0..300)
            .rev()
            .map(|i| if i % 2 == 0 { "}" } else { "]" })
            .collect();
        let doc = format!("{{\"x\":{open}1{close}}}");
        assert!(scan_object::<&str>(doc.as_bytes(), &[]).is_ok());
        // Swap one closer deep inside: the wrong kind is caught at any depth.
        for at in [10, 150, 290] {
            let mut bad = close.clone().into_bytes();
            bad[at] = if bad[at] == b'}' { b']' } else { b'}' };
            let doc = format!("{{\"x\":{open}1{}}}", String::from_utf8(bad).unwrap());
            assert!(
                scan_object::<&str>(doc.as_bytes(), &[]).is_err(),
                "closer {at}"
            );
        }
    }

    #[test]
    fn records_member_offsets() {
        let doc = br#" { "a" : 1 ,"b":[2], "c": 3 } "#;
        let obj = scan_object(doc, &["b", "x"]).unwrap();
        assert_eq!(obj.open, 1);
        let first = obj.first.unwrap();
        assert_eq!(&doc[first.key.clone()], br#""a""#);
        assert_eq!(&doc[first.value], b"1");
        let b = obj.wanted[0].clone().unwrap();
        assert_eq!(&doc[b.lead..b.key.start], b"");
        assert_eq!(&doc[b.value], b"[2]");
        assert!(obj.wanted[1].is_none());
        let last = obj.last.unwrap();
        assert_eq!(&doc[last.lead..last.key.start], b" ");
        assert!(!obj.maybe_duplicate);
    }

    #[test]
    fn finds_repeated_keys_exactly() {
        let doc = br#"{"a":1,"b":{"a":2},"\u0061":3}"#;
        assert!(scan_object::<&str>(doc, &[]).unwrap().maybe_duplicate);
        assert_eq!(duplicate_key(doc).as_deref(), Some("a"));
        assert_eq!(duplicate_key(br#"{"a":1,"b":{"a":2}}"#), None);
    }

    #[test]
    fn decodes_escapes_for_comparison() {
        assert!(string_is(br#""none""#, "none"));
        assert!(string_is(br#""\u006eone""#, "none"));
        assert!(string_is(br#""a\/b""#, "a/b"));
        assert!(string_is(br#""\uD83D\uDE00""#, "\u{1F600}"));
        assert!(!string_is(br#""None""#, "none"));
        assert_eq!(decode(br#""\ud800x""#), "\u{fffd}x");
    }

    #[test]
    fn reads_string_arrays_and_refuses_other_elements() {
        let doc = br#"[ "a" ,"b"]"#;
        let arr = string_array(doc, 0..doc.len()).unwrap();
        assert_eq!(arr.after_open, 1);
        assert_eq!(arr.elements, vec![2..5, 7..10]);
        let doc = br#"["a", 1]"#;
        assert!(string_array(doc, 0..doc.len()).is_none());
        let doc = b"[]";
        assert!(string_array(doc, 0..doc.len()).unwrap().elements.is_empty());
        let doc = b"{}";
        assert!(string_array(doc, 0..doc.len()).is_none());
    }
}
