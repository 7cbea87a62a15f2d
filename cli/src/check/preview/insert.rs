//! The bytes a repair inserted, found by comparing the document with what
//! the layer served, with the original bytes around them.

use super::Insert;

/// Bytes of context shown on each side of an insertion.
const CONTEXT: usize = 40;

/// The one run of `repaired` that is not in `original`, placed where it
/// reads as JSON (after a value for an append, before one for a prepend):
/// the same bytes can often be cut at more than one offset.
#[must_use]
pub fn single_insert(original: &[u8], repaired: &[u8]) -> Option<Insert> {
    let extra = repaired
        .len()
        .checked_sub(original.len())
        .filter(|&n| n > 0)?;
    let prefix = original
        .iter()
        .zip(repaired)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = original
        .iter()
        .rev()
        .zip(repaired.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let lowest = original.len().saturating_sub(suffix);
    if lowest > prefix {
        return None; // more than one run: not a single insertion
    }
    let at = |k: usize| &repaired[k..k + extra];
    let best = (lowest..=prefix)
        .find(|&k| at(k).starts_with(b","))
        .or_else(|| (lowest..=prefix).find(|&k| at(k).ends_with(b",")))
        .unwrap_or(lowest);
    Some(insert(original, best, at(best)))
}

fn insert(original: &[u8], at: usize, run: &[u8]) -> Insert {
    let from = at.saturating_sub(CONTEXT);
    let to = (at + CONTEXT).min(original.len());
    Insert {
        offset: at,
        text: String::from_utf8_lossy(run).into_owned(),
        before: String::from_utf8_lossy(&original[from..at]).into_owned(),
        after: String::from_utf8_lossy(&original[at..to]).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::single_insert;

    #[test]
    fn places_an_append_after_the_value_and_a_prepend_before_it() {
        let append = single_insert(br#"{"m":["a"]}"#, br#"{"m":["a","none"]}"#).unwrap();
        assert_eq!((append.offset, append.text.as_str()), (9, r#","none""#));
        assert_eq!(append.before, r#"{"m":["a""#);
        assert_eq!(append.after, "]}");
        let prepend = single_insert(br#"{"m":["a"]}"#, br#"{"m":["none","a"]}"#).unwrap();
        assert_eq!((prepend.offset, prepend.text.as_str()), (6, r#""none","#));
        let added = single_insert(br#"{"a":1}"#, br#"{"a":1,"m":["x"]}"#).unwrap();
        assert_eq!((added.offset, added.text.as_str()), (6, r#","m":["x"]"#));
    }

    #[test]
    fn two_runs_or_nothing_new_are_not_a_single_insertion() {
        assert_eq!(single_insert(b"abc", b"xabcx"), None);
        assert_eq!(single_insert(b"abc", b"abc"), None);
        assert_eq!(single_insert(b"abc", b"ab"), None);
    }
}
