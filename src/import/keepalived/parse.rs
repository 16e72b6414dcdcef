//! keepalived.conf's syntax: words, blocks and `include`, into a tree of
//! statements that remember their file and line.
//!
//! keepalived reads its file a line at a time (lib/parser.c, 2.2.7):
//! words are split on blanks, `"..."` is one word (no escapes; single
//! quotes are ordinary characters), `#` and `!` start a comment anywhere
//! outside double quotes unless written `\#` / `\!`, and `{`/`}` open and
//! close blocks wherever they stand, so `real_server 192.0.2.11 80` may
//! have its `{` on the next line and `}` may end a line of words.
//! `include GLOB` reads files (relative names from the including file's
//! directory) where it stands. `$NAME=value` defines a word that `$NAME`
//! and `${NAME}` stand for afterwards (a definition whose lines end in
//! `\` goes on on the next line: keepalived's only line continuation; on
//! other lines a trailing `\` is a word). Lines starting with `@`
//! (kept for one host, by keepalived's config id) and `~SEQ` are refused
//! by name. Unknown keywords are logged and skipped by keepalived, so
//! they are not errors here either: the converter reports each with its
//! line. What keepalived cannot read, an unbalanced brace or an
//! unterminated quote, is an error (`FILE:LINE`).

use super::super::ImportError;

/// How deep `include` may nest (keepalived stops a loop the same way).
const INCLUDE_DEPTH: usize = 8;

/// How deep blocks may nest (keepalived's deepest is five: virtual_server,
/// real_server, HTTP_GET, url).
const BLOCK_DEPTH: usize = 32;

/// Most statements in one import, included files counted: a bound on a
/// glob that matches far too much.
const MAX_STATEMENTS: usize = 1_000_000;

/// One statement: its words, and the block after them if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stmt {
    /// The file it is in (index into [`Tree::files`]).
    pub file: usize,
    /// Its first line (1-based).
    pub line: usize,
    /// Its words, quotes removed; the first is the keyword.
    pub words: Vec<String>,
    /// The line's text from the keyword on (comments removed), which
    /// keepalived splits again for scripts (`'...'`, escapes).
    pub raw: String,
    /// `{ ... }`, if it has one.
    pub block: Option<Vec<Stmt>>,
}

impl Stmt {
    /// The keyword.
    pub fn key(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or("")
    }

    /// The words after the keyword.
    pub fn args(&self) -> &[String] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// The block's statements (none when it has no block).
    pub fn body(&self) -> &[Stmt] {
        self.block.as_deref().unwrap_or(&[])
    }
}

/// A whole configuration: the statements of the main file with included
/// files spliced in, and the files' names.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// File names, the main file first.
    pub files: Vec<String>,
    /// The top-level statements.
    pub stmts: Vec<Stmt>,
}

/// Finds the files an `include` names: `(pattern, the including file)`
/// to `(name, text)` pairs in glob(3)'s order, or why not.
pub type Includes<'a> = dyn FnMut(&str, &str) -> Result<Vec<(String, String)>, String> + 'a;

/// A word or brace, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A word, and for the first word of a statement the line's text from
    /// it on (scripts are split again from that, as keepalived does).
    Word(String, Option<String>),
    Open,
    Close,
    /// The end of a (logical) line.
    End,
}

/// `$NAME` and `${NAME}` in `line` replaced by their definitions.
fn substitute(line: &str, defs: &[(String, String)]) -> String {
    if !line.contains('$') || defs.is_empty() {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, skip) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let n = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            (&after[..n], n)
        };
        match defs.iter().rev().find(|(k, _)| k == name) {
            Some((_, v)) if !name.is_empty() => {
                out.push_str(v);
                rest = &after[skip..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `line` up to its comment: the first `#` or `!` outside double quotes
/// that is not escaped.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    let mut prev = '\0';
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' | '!' if !quoted && prev != '\\' => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line
}

/// Splits `text` into tokens with their lines.
fn lex(file: &str, text: &str) -> Result<Vec<(Tok, usize)>, ImportError> {
    let mut out = Vec::new();
    let mut defs: Vec<(String, String)> = Vec::new();
    // A `$NAME=` definition still going on (its lines end in `\`).
    let mut defining: Option<(String, String)> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let no = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some((name, mut value)) = defining.take() {
            let (part, more) = match raw.trim_end().strip_suffix('\\') {
                Some(p) => (p, true),
                None => (raw, false),
            };
            value.push('\n');
            value.push_str(part.trim());
            if more {
                defining = Some((name, value));
            } else {
                defs.push((name, value));
            }
            continue;
        }
        let trimmed = raw.trim_start();
        if let Some(def) = trimmed.strip_prefix('$') {
            if let Some((name, value)) = def.split_once('=') {
                let name = name.trim();
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    let value = value.trim();
                    match value.strip_suffix('\\') {
                        Some(v) => defining = Some((name.to_string(), v.trim().to_string())),
                        None => defs.push((name.to_string(), value.to_string())),
                    }
                    continue;
                }
            }
        }
        if trimmed.starts_with('@') {
            return Err(ImportError::parse(
                file,
                no,
                "a line starting with @ applies to one host only (keepalived's -i config id): write the file for \
                 this director without them",
            ));
        }
        if trimmed.starts_with("~SEQ") || trimmed.starts_with("~LST") {
            return Err(ImportError::parse(
                file,
                no,
                "~SEQ / ~LST lines are not read by lvsctl import: expand them first (keepalived -t -d prints the result)",
            ));
        }
        // A definition of several lines stands for as many lines.
        let line = substitute(raw, &defs);
        for piece in line.split('\n') {
            lex_line(file, no, piece, &mut out)?;
        }
    }
    Ok(out)
}

/// The tokens of one line (after substitution).
fn lex_line(file: &str, no: usize, line: &str, out: &mut Vec<(Tok, usize)>) -> Result<(), ImportError> {
    // `include` takes the rest of the line as its pattern, blanks and
    // braces (GLOB_BRACE) included.
    let body = strip_comment(line);
    let t = body.trim_start();
    if let Some(rest) = t.strip_prefix("include") {
        if rest.is_empty() || rest.starts_with([' ', '\t']) {
            out.push((Tok::Word("include".into(), Some(t.to_string())), no));
            let pattern = rest.trim();
            let pattern = pattern
                .strip_prefix('"')
                .and_then(|p| p.strip_suffix('"'))
                .unwrap_or(pattern);
            if !pattern.is_empty() {
                out.push((Tok::Word(pattern.to_string(), None), no));
            }
            out.push((Tok::End, no));
            return Ok(());
        }
    }
    {
        let mut chars = line.char_indices().peekable();
        // Whether the next word may start a statement.
        let mut starts = true;
        while let Some(&(at, c)) = chars.peek() {
            match c {
                ' ' | '\t' | '\x0b' | '\x0c' => {
                    chars.next();
                }
                '#' | '!' => break,
                '{' => {
                    chars.next();
                    out.push((Tok::Open, no));
                    starts = true;
                }
                '}' => {
                    chars.next();
                    out.push((Tok::Close, no));
                    starts = true;
                }
                '"' => {
                    chars.next();
                    let mut word = String::new();
                    let mut closed = false;
                    for (_, c) in chars.by_ref() {
                        if c == '"' {
                            closed = true;
                            break;
                        }
                        word.push(c);
                    }
                    if !closed {
                        return Err(ImportError::parse(file, no, "a quote is not closed on its line"));
                    }
                    let rest = starts.then(|| strip_comment(&line[at..]).trim_end().to_string());
                    out.push((Tok::Word(word, rest), no));
                    starts = false;
                }
                _ => {
                    let mut word = String::new();
                    while let Some(&(_, c)) = chars.peek() {
                        if matches!(c, ' ' | '\t' | '\x0b' | '\x0c' | '{' | '}' | '"' | '#' | '!') {
                            break;
                        }
                        chars.next();
                        if c == '\\' && matches!(chars.peek(), Some((_, '#' | '!'))) {
                            word.extend(chars.next().map(|(_, c)| c));
                            continue;
                        }
                        word.push(c);
                    }
                    let rest = starts.then(|| strip_comment(&line[at..]).trim_end().to_string());
                    out.push((Tok::Word(word, rest), no));
                    starts = false;
                }
            }
        }
        out.push((Tok::End, no));
    }
    Ok(())
}

struct Builder<'a, 'b> {
    files: Vec<String>,
    includes: &'a mut Includes<'b>,
    count: usize,
}

impl Builder<'_, '_> {
    /// The statements of one file's text.
    fn file(&mut self, name: &str, text: &str, depth: usize) -> Result<Vec<Stmt>, ImportError> {
        let index = self.files.len();
        self.files.push(name.to_string());
        let toks = lex(name, text)?;
        let mut pos = 0;
        let stmts = self.block(name, index, &toks, &mut pos, depth, None, 0)?;
        Ok(stmts)
    }

    /// Statements up to the `}` that closes the block opened on line
    /// `opened` (or the end of the file at the top), `level` blocks deep.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &mut self,
        name: &str,
        index: usize,
        toks: &[(Tok, usize)],
        pos: &mut usize,
        depth: usize,
        opened: Option<usize>,
        level: usize,
    ) -> Result<Vec<Stmt>, ImportError> {
        let mut stmts: Vec<Stmt> = Vec::new();
        let mut cur: Option<Stmt> = None;
        // Whether the last statement ended at a line's end with no block:
        // a `{` first on the next line is its block.
        let mut may_take_block = false;
        while *pos < toks.len() {
            let (tok, line) = &toks[*pos];
            *pos += 1;
            match tok {
                Tok::Word(w, rest) => {
                    let s = cur.get_or_insert_with(|| Stmt {
                        file: index,
                        line: *line,
                        raw: rest.clone().unwrap_or_default(),
                        ..Stmt::default()
                    });
                    s.words.push(w.clone());
                    may_take_block = false;
                }
                Tok::End => {
                    if let Some(s) = cur.take() {
                        self.finish(name, s, &mut stmts, depth)?;
                        may_take_block = true;
                    }
                }
                Tok::Open => {
                    let target = match cur.take() {
                        Some(s) => Some(s),
                        None if may_take_block => {
                            stmts.pop().filter(|s| s.block.is_none() && s.key() != "include")
                        }
                        None => None,
                    };
                    let Some(mut s) = target else {
                        return Err(ImportError::parse(name, *line, "`{` without a keyword before it"));
                    };
                    if level >= BLOCK_DEPTH {
                        return Err(ImportError::parse(
                            name,
                            *line,
                            format!("blocks nest more than {BLOCK_DEPTH} deep"),
                        ));
                    }
                    let body = self.block(name, index, toks, pos, depth, Some(*line), level + 1)?;
                    s.block = Some(body);
                    self.count += 1;
                    stmts.push(s);
                    may_take_block = false;
                }
                Tok::Close => {
                    if let Some(s) = cur.take() {
                        self.finish(name, s, &mut stmts, depth)?;
                    }
                    if opened.is_none() {
                        return Err(ImportError::parse(name, *line, "`}` without a block to close"));
                    }
                    return Ok(stmts);
                }
            }
            if self.count > MAX_STATEMENTS {
                return Err(ImportError::parse(
                    name,
                    *line,
                    format!("more than {MAX_STATEMENTS} statements (an include that matches too much?)"),
                ));
            }
        }
        if let Some(s) = cur.take() {
            self.finish(name, s, &mut stmts, depth)?;
        }
        if let Some(line) = opened {
            return Err(ImportError::parse(
                name,
                line,
                "this block is not closed: `}` missing before the end of the file",
            ));
        }
        Ok(stmts)
    }

    /// Adds `s`, or the statements of the files it includes.
    fn finish(
        &mut self,
        name: &str,
        s: Stmt,
        stmts: &mut Vec<Stmt>,
        depth: usize,
    ) -> Result<(), ImportError> {
        self.count += 1;
        if s.key() != "include" {
            stmts.push(s);
            return Ok(());
        }
        let [pattern] = s.args() else {
            return Err(ImportError::parse(
                name,
                s.line,
                "`include` takes one file name or pattern",
            ));
        };
        if depth >= INCLUDE_DEPTH {
            return Err(ImportError::parse(
                name,
                s.line,
                format!("includes nest more than {INCLUDE_DEPTH} deep (a file that includes itself?)"),
            ));
        }
        let found = (self.includes)(pattern, name).map_err(|why| ImportError::parse(name, s.line, why))?;
        for (file, text) in found {
            let inner = self.file(&file, &text, depth + 1)?;
            stmts.extend(inner);
        }
        Ok(())
    }
}

/// Reads `text` (from `file`) with the files it includes.
pub fn parse(file: &str, text: &str, includes: &mut Includes<'_>) -> Result<Tree, ImportError> {
    let mut b = Builder {
        files: Vec::new(),
        includes,
        count: 0,
    };
    let stmts = b.file(file, text, 0)?;
    Ok(Tree {
        files: b.files,
        stmts,
    })
}

/// `include`'s files from the file system: `pattern` relative to the
/// directory of `from`, expanded as glob(3) does (`*`, `?`, `[...]` in
/// any component, matches sorted; no match is not an error, as with
/// keepalived, which only logs it).
pub fn fs_includes(pattern: &str, from: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for p in expand_braces(pattern, 0) {
        out.extend(glob_files(&p, from)?);
        if out.len() > 10_000 {
            return Err(format!("include {pattern:?} matches more than 10000 files"));
        }
    }
    Ok(out)
}

/// `a{b,c}d` as `abd`, `acd` (glob(3)'s GLOB_BRACE, nested too), in order.
pub fn expand_braces(p: &str, depth: usize) -> Vec<String> {
    if depth > 8 {
        return vec![p.to_string()];
    }
    let Some(open) = p.find('{') else {
        return vec![p.to_string()];
    };
    // The matching close, and the top-level commas between.
    let mut level = 0;
    let mut commas = Vec::new();
    let mut close = None;
    for (i, c) in p[open..].char_indices().map(|(i, c)| (i + open, c)) {
        match c {
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    close = Some(i);
                    break;
                }
            }
            ',' if level == 1 => commas.push(i),
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![p.to_string()];
    };
    let (head, tail) = (&p[..open], &p[close + 1..]);
    let mut parts = Vec::new();
    let mut start = open + 1;
    for c in commas.iter().copied().chain([close]) {
        parts.push(&p[start..c]);
        start = c + 1;
    }
    let mut out = Vec::new();
    for part in parts {
        out.extend(expand_braces(&format!("{head}{part}{tail}"), depth + 1));
        if out.len() > 1000 {
            break;
        }
    }
    out
}

fn glob_files(pattern: &str, from: &str) -> Result<Vec<(String, String)>, String> {
    use std::path::{Path, PathBuf};
    let base: PathBuf = if pattern.starts_with('/') {
        PathBuf::from("/")
    } else {
        Path::new(from)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let mut paths = vec![base];
    for comp in pattern.split('/').filter(|c| !c.is_empty() && *c != ".") {
        let mut next = Vec::new();
        for p in &paths {
            if !has_magic(comp) {
                let q = p.join(comp);
                if comp == ".." || q.exists() {
                    next.push(q);
                }
                continue;
            }
            let dir = if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p.as_path()
            };
            let Ok(rd) = std::fs::read_dir(dir) else { continue };
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| (!n.starts_with('.') || comp.starts_with('.')) && glob_match(comp, n))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| p.join(n)));
        }
        paths = next;
        if paths.len() > 10_000 {
            return Err(format!("include {pattern:?} matches more than 10000 files"));
        }
    }
    let mut out = Vec::new();
    for p in paths.into_iter().filter(|p| p.is_file()) {
        let name = p.to_string_lossy().into_owned();
        let bytes = std::fs::read(&p).map_err(|e| format!("include {name}: {e}"))?;
        out.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
    Ok(out)
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Whether `name` matches the glob `pat` (`*`, `?`, `[abc]`, `[a-z]`,
/// `[!x]`); a `[` without its `]` matches itself.
pub fn glob_match(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matching with one backtrack point for the last `*`.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => class(&p, pi, n[ni]),
            Some(c) if *c == n[ni] => Some(pi + 1),
            _ => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A `[...]` class at `p[at]` against `c`: the index after it if `c` is
/// in it. A `[` without its `]` is a plain `[`.
fn class(p: &[char], at: usize, c: char) -> Option<usize> {
    let mut i = at + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let start = i;
    let mut found = false;
    while i < p.len() && (p[i] != ']' || i == start) {
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if p[i] <= c && c <= p[i + 2] {
                found = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                found = true;
            }
            i += 1;
        }
    }
    if i >= p.len() {
        // No closing bracket: the `[` stands for itself.
        return (c == '[').then_some(at + 1);
    }
    (found != negate).then_some(i + 1)
}
