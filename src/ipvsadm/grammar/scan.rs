//! popt 1.19's option scanner, as far as ipvsadm uses it: bundles of
//! short options, attached and separate values, exact long names,
//! optional values, `--`, and the `!#:+` expansion (see the grammar's
//! module docs for the rules). It knows the options only through their
//! definitions' names and kinds of value.

use super::options::{Def, DEFS};

/// What the scanner found next.
#[derive(Debug)]
pub(super) enum Scan {
    /// An option and its value (`None` for flags and an absent `-p` value).
    Opt(&'static Def, Option<String>),
    /// No more options.
    End,
    /// A popt error with popt's reason text.
    Error(&'static str),
}

const POPT_BADOPT: &str = "unknown option";
const POPT_NOARG: &str = "missing argument";
const POPT_UNWANTEDARG: &str = "option does not take an argument";

/// popt's option scanner over one argument vector.
#[derive(Debug)]
pub(super) struct Scanner {
    words: Vec<String>,
    /// Index of the next word to read.
    next: usize,
    /// Inside a bundle of short options: (word index, byte offset).
    bundle: Option<(usize, usize)>,
    /// After `--`: everything is positional.
    rest_positional: bool,
    /// Words taken by a `!#:+` expansion.
    taken: Vec<bool>,
    /// Positional words, in order.
    pub(super) leftovers: Vec<String>,
}

impl Scanner {
    pub(super) fn new(words: Vec<String>) -> Self {
        let taken = vec![false; words.len()];
        Scanner {
            words,
            next: 0,
            bundle: None,
            rest_positional: false,
            taken,
            leftovers: Vec::new(),
        }
    }

    /// The word popt blames in its messages (`poptBadOption`): the last
    /// word read, which is the whole bundle or an option's value.
    pub(super) fn bad_word(&self) -> &str {
        self.next
            .checked_sub(1)
            .and_then(|i| self.words.get(i))
            .map_or("", String::as_str)
    }

    pub(super) fn next_opt(&mut self) -> Scan {
        loop {
            let mut long_value: Option<String> = None;
            let mut def: Option<&'static Def> = None;

            if self.bundle.is_none() {
                let Some(word) = self.words.get(self.next) else {
                    return Scan::End;
                };
                if self.taken[self.next] {
                    self.next += 1;
                    continue;
                }
                let index = self.next;
                self.next += 1;
                if self.rest_positional || !word.starts_with('-') || word == "-" {
                    self.leftovers.push(word.clone());
                    continue;
                }
                if word == "--" {
                    self.rest_positional = true;
                    continue;
                }
                if let Some(body) = word.strip_prefix("--") {
                    let (name, value) = match body.split_once('=') {
                        Some((n, v)) => (n, Some(v.to_string())),
                        None => (body, None),
                    };
                    match DEFS.iter().find(|d| d.long == name) {
                        Some(d) => {
                            def = Some(d);
                            long_value = value;
                        }
                        None => return Scan::Error(POPT_BADOPT),
                    }
                } else {
                    // A single dash: no ipvsadm option is a one-dash long
                    // option, so this is a bundle of short options.
                    self.bundle = Some((index, 1));
                }
            }

            if let Some((index, offset)) = self.bundle.take() {
                let bytes = self.words[index].as_bytes();
                let letter = bytes[offset];
                match DEFS.iter().find(|d| d.short.contains(&char::from(letter))) {
                    Some(d) => def = Some(d),
                    None => return Scan::Error(POPT_BADOPT),
                }
                if offset + 1 < bytes.len() {
                    self.bundle = Some((index, offset + 1));
                }
            }

            let Some(def) = def else {
                return Scan::Error(POPT_BADOPT);
            };

            if !def.arg.takes_value() {
                let attached_eq = self
                    .bundle
                    .is_some_and(|(i, o)| self.words[i].as_bytes()[o] == b'=');
                if long_value.is_some() || attached_eq {
                    return Scan::Error(POPT_UNWANTEDARG);
                }
                return Scan::Opt(def, None);
            }

            let value = if let Some(v) = long_value {
                Some(v)
            } else if let Some((index, offset)) = self.bundle.take() {
                let rest = &self.words[index][offset..];
                Some(rest.strip_prefix('=').unwrap_or(rest).to_string())
            } else if let Some(word) = self.words.get(self.next) {
                if def.arg.is_optional() && word.starts_with('-') {
                    None
                } else {
                    let word = word.clone();
                    self.next += 1;
                    Some(word)
                }
            } else if def.arg.is_optional() {
                None
            } else {
                return Scan::Error(POPT_NOARG);
            };
            let value = value.map(|v| self.expand(&v));
            return Scan::Opt(def, value);
        }
    }

    /// popt's `expandNextArg`: every `!#:+` becomes the next positional
    /// word after the current position (the same word for every
    /// occurrence), which stops being positional. Without one, the text
    /// stays as it is.
    fn expand(&mut self, value: &str) -> String {
        if !value.contains("!#:+") {
            return value.to_string();
        }
        let mut out = String::with_capacity(value.len());
        let mut found: Option<String> = None;
        let mut rest = value;
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            if c == '!' && rest.starts_with("#:+") {
                if found.is_none() {
                    found = self.take_next_positional();
                }
                if let Some(word) = &found {
                    out.push_str(word);
                    rest = &rest[3..];
                    continue;
                }
            }
            out.push(c);
        }
        out
    }

    fn take_next_positional(&mut self) -> Option<String> {
        for i in self.next..self.words.len() {
            if self.taken[i] || self.words[i].starts_with('-') {
                continue;
            }
            self.taken[i] = true;
            return Some(self.words[i].clone());
        }
        None
    }
}
