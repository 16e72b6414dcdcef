//! The TOML an import writes, as a small ordered model.
//!
//! Not a general TOML writer: it writes the shapes lvsctl's daemon file
//! has (top-level tables and arrays of tables, each holding keys and
//! nested tables, values that are strings, integers, booleans, arrays and
//! inline tables), in the order the reader added them, with comments
//! above tables. `toml`'s serializer would sort nothing away either, but
//! it cannot write comments, and the `# FILE:LINE` above every block is
//! what lets an operator check a conversion by eye.

use std::fmt::Write;

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string, written as a basic string with escapes.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// An array on one line.
    Array(Vec<Value>),
    /// An inline table on one line, keys in order.
    Inline(Vec<(String, Value)>),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(i64::from(n))
    }
}
impl From<u16> for Value {
    fn from(n: u16) -> Self {
        Value::Int(i64::from(n))
    }
}
impl From<u8> for Value {
    fn from(n: u8) -> Self {
        Value::Int(i64::from(n))
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

/// An inline table from `(key, value)` pairs.
pub fn inline<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Inline(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A table (`[name]`) or one element of an array of tables (`[[name]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    name: String,
    array: bool,
    comments: Vec<String>,
    keys: Vec<(String, Value)>,
    children: Vec<Table>,
}

impl Table {
    /// `[name]`; `name` is the full dotted path (`services.check`).
    pub fn new(name: &str) -> Self {
        Table {
            name: name.to_string(),
            array: false,
            comments: Vec::new(),
            keys: Vec::new(),
            children: Vec::new(),
        }
    }

    /// `[[name]]`.
    pub fn element(name: &str) -> Self {
        Table {
            array: true,
            ..Table::new(name)
        }
    }

    /// A comment line above the header.
    pub fn comment(&mut self, text: impl Into<String>) -> &mut Self {
        self.comments.push(text.into());
        self
    }

    /// Sets `key` (replacing an earlier value, in its place).
    pub fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        let value = value.into();
        match self.keys.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.keys.push((key.to_string(), value)),
        }
        self
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.keys.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.keys.iter().position(|(k, _)| k == key)?;
        Some(self.keys.remove(at).1)
    }

    /// Adds a nested table, written after the keys.
    pub fn child(&mut self, t: Table) -> &mut Self {
        self.children.push(t);
        self
    }

    /// The nested tables.
    pub fn children_mut(&mut self) -> &mut Vec<Table> {
        &mut self.children
    }

    /// Whether nothing is set in it.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.children.is_empty()
    }

    fn render(&self, depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        if !out.is_empty() {
            out.push('\n');
        }
        for c in &self.comments {
            for line in c.lines() {
                let _ = writeln!(out, "{pad}# {line}");
            }
        }
        if self.array {
            let _ = writeln!(out, "{pad}[[{}]]", self.name);
        } else {
            let _ = writeln!(out, "{pad}[{}]", self.name);
        }
        for (k, v) in &self.keys {
            let _ = writeln!(out, "{pad}{k} = {}", render_value(v));
        }
        for c in &self.children {
            c.render(depth + 1, out);
        }
    }
}

/// A whole file: a heading comment, then tables in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    heading: Vec<String>,
    tables: Vec<Table>,
}

impl Doc {
    /// A comment line at the top of the file.
    pub fn heading(&mut self, text: impl Into<String>) {
        self.heading.push(text.into());
    }

    /// Adds a top-level table.
    pub fn push(&mut self, t: Table) {
        self.tables.push(t);
    }

    /// The top-level tables.
    pub fn tables_mut(&mut self) -> &mut Vec<Table> {
        &mut self.tables
    }

    /// The text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for h in &self.heading {
            for line in h.lines() {
                let _ = writeln!(out, "# {line}");
            }
        }
        for t in &self.tables {
            t.render(0, &mut out);
        }
        out
    }
}

fn render_value(v: &Value) -> String {
    match v {
        Value::Str(s) => quote(s),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(render_value).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Inline(pairs) => {
            let parts: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{k} = {}", render_value(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// A TOML basic string: quotes, backslashes and control characters
/// escaped, everything else as it is.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_order_with_comments_and_reads_back() {
        let mut doc = Doc::default();
        doc.heading("converted from x");
        let mut t = Table::new("timeouts");
        t.set("tcp", 900u32);
        doc.push(t);
        let mut s = Table::element("services");
        s.comment("x:3 virtual web");
        s.set("address", "192.0.2.1")
            .set("port", 80u16)
            .set("persistent", true);
        s.set("sched_flags", vec!["sh-port"]);
        let mut c = Table::new("services.check");
        c.set("type", "send-expect")
            .set("send", "GET / HTTP/1.0\r\n\r\n\"\\\u{1}");
        s.child(c);
        let mut d = Table::element("services.destinations");
        d.set("address", "192.0.2.11");
        d.set(
            "sorry",
            inline([("address", "192.0.2.9".into()), ("port", 80u16.into())]),
        );
        s.child(d);
        doc.push(s);
        let text = doc.render();
        assert_eq!(
            text,
            "# converted from x\n\n[timeouts]\ntcp = 900\n\n# x:3 virtual web\n[[services]]\naddress = \"192.0.2.1\"\n\
             port = 80\npersistent = true\nsched_flags = [\"sh-port\"]\n\n  [services.check]\n  type = \"send-expect\"\n  \
             send = \"GET / HTTP/1.0\\r\\n\\r\\n\\\"\\\\\\u0001\"\n\n  [[services.destinations]]\n  address = \"192.0.2.11\"\n  \
             sorry = { address = \"192.0.2.9\", port = 80 }\n"
        );
        let back: toml::Table = toml::from_str(&text).unwrap();
        let send = back["services"][0]["check"]["send"].as_str().unwrap();
        assert_eq!(send, "GET / HTTP/1.0\r\n\r\n\"\\\u{1}");
        assert_eq!(
            back["services"][0]["destinations"][0]["sorry"]["port"].as_integer(),
            Some(80)
        );
    }

    #[test]
    fn set_replaces_in_place() {
        let mut t = Table::new("a");
        t.set("x", 1u32).set("y", 2u32).set("x", 3u32);
        assert_eq!(t.get("x"), Some(&Value::Int(3)));
        assert_eq!(t.remove("y"), Some(Value::Int(2)));
        assert!(!t.is_empty());
    }
}
