//! Rows and columns for lvsctl's own human-readable output: `text` (plain
//! aligned columns, easy to read and to `grep`/`awk`) and `table`
//! (comfy-table with borders). Both render the same [`Table`].

use comfy_table::{presets, CellAlignment, ContentArrangement};

/// A table of strings with a header row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column titles.
    pub headers: Vec<String>,
    /// Which columns hold numbers (right-aligned).
    pub numeric: Vec<bool>,
    /// The rows; short rows are padded with empty cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles; numeric columns are marked with a
    /// leading `>` in the title (which is not shown).
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers
                .iter()
                .map(|h| h.trim_start_matches('>').to_string())
                .collect(),
            numeric: headers.iter().map(|h| h.starts_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn cell(&self, row: &[String], i: usize) -> String {
        row.get(i).cloned().unwrap_or_default()
    }

    /// Plain text: columns separated by two spaces, numbers right-aligned,
    /// no trailing blanks.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        let rows = |f: &mut dyn FnMut(&[String])| {
            for r in &self.rows {
                f(r);
            }
        };
        write_text(&headers, &self.numeric, &rows, &mut |s| out.push_str(s));
        out
    }

    /// A bordered table (comfy-table).
    pub fn render_table(&self) -> String {
        let mut t = comfy_table::Table::new();
        t.load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(self.headers.clone());
        for r in &self.rows {
            t.add_row(
                (0..self.headers.len())
                    .map(|i| self.cell(r, i))
                    .collect::<Vec<_>>(),
            );
        }
        for (i, numeric) in self.numeric.iter().enumerate() {
            if *numeric {
                if let Some(col) = t.column_mut(i) {
                    col.set_cell_alignment(CellAlignment::Right);
                }
            }
        }
        let mut s = t.to_string();
        s.push('\n');
        s
    }
}

/// Something that hands out a table's rows one at a time (and can do it
/// again).
pub type Rows<'a> = dyn Fn(&mut dyn FnMut(&[String])) + 'a;

/// Plain text of a table whose rows are made on demand: `rows` is called
/// twice, once to measure the columns and once to write them, so a large
/// listing never exists as a table of strings (or as one string: each line
/// goes to `emit` as it is made). Short rows are padded with empty cells.
pub fn write_text(headers: &[&str], numeric: &[bool], rows: &Rows, emit: &mut dyn FnMut(&str)) {
    let n = headers.len();
    let mut width: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    rows(&mut |r| {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    });
    let mut line = String::new();
    let mut write = |cells: &mut dyn Iterator<Item = &str>| {
        line.clear();
        for (i, w) in width.iter().enumerate() {
            let c = cells.next().unwrap_or("");
            if i > 0 {
                line.push_str("  ");
            }
            let pad = w.saturating_sub(c.chars().count());
            if numeric.get(i).copied().unwrap_or(false) {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                if i + 1 < n {
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        let end = line.trim_end().len();
        line.truncate(end);
        line.push('\n');
        emit(&line);
    };
    write(&mut headers.iter().copied());
    rows(&mut |r| write(&mut r.iter().map(String::as_str)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_aligns_and_trims() {
        let mut t = Table::new(&["NAME", ">COUNT", "NOTE"]);
        t.row(vec!["a".into(), "5".into(), "".into()]);
        t.row(vec!["longer".into(), "12345".into(), "x".into()]);
        assert_eq!(
            t.render_text(),
            "NAME    COUNT  NOTE\na           5\nlonger  12345  x\n"
        );
    }

    #[test]
    fn table_has_borders() {
        let mut t = Table::new(&["A", ">B"]);
        t.row(vec!["x".into(), "1".into()]);
        let s = t.render_table();
        assert!(s.contains('│') && s.contains("A") && s.contains("x"), "{s}");
    }
}
