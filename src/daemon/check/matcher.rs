//! `expect`: regular expressions (compiled once per pattern, kept in a
//! small process-wide cache) and nanny's literals with `*` wildcards.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::bytes::Regex;

use super::Matcher;

/// Patterns kept compiled; past this the cache starts over (patterns come
/// from the configuration, so only a long run of reloads gets there).
const CACHE_MAX: usize = 4096;

fn cache() -> &'static Mutex<HashMap<String, Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Compiles a pattern the way probes do (the configuration reader calls
/// this to refuse a bad one at load time).
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    regex::bytes::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| e.to_string())
}

fn regex(pattern: &str) -> Option<Regex> {
    let mut map = match cache().lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(r) = map.get(pattern) {
        return Some(r.clone());
    }
    let r = compile(pattern).ok()?;
    if map.len() >= CACHE_MAX {
        map.clear();
    }
    map.insert(pattern.to_string(), r.clone());
    Some(r)
}

impl Matcher {
    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        match self {
            Matcher::Regex(p) | Matcher::Literal(p) => p,
        }
    }

    /// Whether `hay` contains a match. A regex that does not compile (the
    /// configuration reader refuses those) matches nothing.
    pub fn is_match(&self, hay: &[u8]) -> bool {
        match self {
            Matcher::Regex(p) => regex(p).is_some_and(|r| r.is_match(hay)),
            Matcher::Literal(p) => literal_match(p.as_bytes(), hay),
        }
    }
}

/// `pattern`'s pieces between `*` found in order, anywhere in `hay`.
/// Taking each piece at its first place after the previous one is enough:
/// an earlier place never leaves less room for the rest.
pub(super) fn literal_match(pattern: &[u8], hay: &[u8]) -> bool {
    let mut at = 0;
    for piece in pattern.split(|b| *b == b'*') {
        if piece.is_empty() {
            continue;
        }
        match find(&hay[at..], piece) {
            Some(i) => at += i + piece.len(),
            None => return false,
        }
    }
    true
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn literals_with_wildcards() {
        assert!(literal_match(b"", b"anything"));
        assert!(literal_match(b"OK", b"+OK ready"));
        assert!(literal_match(b"220*ready", b"220 mail ready\r\n"));
        assert!(!literal_match(b"ready*220", b"220 mail ready\r\n"));
        assert!(literal_match(b"***", b""));
        assert!(!literal_match(b"x", b""));
    }

    #[test]
    fn regexes_search_anywhere_and_bad_ones_match_nothing() {
        assert!(Matcher::Regex("rs[0-9]".into()).is_match(b"hello rs1\n"));
        assert!(!Matcher::Regex("^rs$".into()).is_match(b"hello rs1\n"));
        assert!(!Matcher::Regex("(".into()).is_match(b"("));
        // Bodies are bytes, not necessarily UTF-8.
        assert!(Matcher::Regex("ok".into()).is_match(b"\xff\xfeok"));
    }

    proptest! {
        #[test]
        fn literal_without_star_is_contains(p in proptest::collection::vec(any::<u8>().prop_filter("no star", |b| *b != b'*'), 0..6),
                                           h in proptest::collection::vec(any::<u8>(), 0..40)) {
            let contains = p.is_empty() || h.windows(p.len()).any(|w| w == &p[..]);
            prop_assert_eq!(literal_match(&p, &h), contains);
        }

        #[test]
        fn pieces_joined_by_anything_match(a in "[a-c]{0,4}", b in "[a-c]{0,4}", gap in "[a-z]{0,5}", pre in "[a-z]{0,5}") {
            let hay = format!("{pre}{a}{gap}{b}");
            let pattern = format!("{a}*{b}");
            prop_assert!(literal_match(pattern.as_bytes(), hay.as_bytes()));
        }
    }
}
