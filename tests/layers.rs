//! The crate's layers point one way: every module of `src/` uses only
//! modules that `src/lib.rs` lists before it. This test reads the order
//! from `src/lib.rs` and every `crate::<layer>` path in each layer's files
//! (tests included), so an upward arrow fails `cargo test` with the file
//! and line that adds it. Run alone: `cargo test --test layers`.

use std::path::{Path, PathBuf};

fn layers() -> Vec<String> {
    let lib = std::fs::read_to_string("src/lib.rs").expect("src/lib.rs");
    lib.lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect()
}

fn files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for e in entries {
            files(&e, out);
        }
    } else if p.is_file() && p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_path_buf());
    }
}

/// The layers a line names as `crate::NAME` (also inside `use crate::{a, b}`).
fn named(line: &str, all: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let code = line.split("//").next().unwrap_or("");
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let group = rest.strip_prefix('{');
        let text = group.unwrap_or(rest);
        let names: Vec<&str> = if group.is_some() {
            text.split('}').next().unwrap_or("").split(',').collect()
        } else {
            vec![text]
        };
        for n in names {
            let ident: String = n
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if all.contains(&ident) {
                found.push(ident);
            }
        }
    }
    found
}

#[test]
fn every_layer_uses_only_the_layers_listed_before_it() {
    let order = layers();
    assert!(order.len() >= 9, "src/lib.rs lists {order:?}");
    let mut wrong = Vec::new();
    for (i, layer) in order.iter().enumerate() {
        let mut fs = Vec::new();
        files(Path::new(&format!("src/{layer}")), &mut fs);
        files(Path::new(&format!("src/{layer}.rs")), &mut fs);
        assert!(!fs.is_empty(), "no files for layer {layer}");
        for f in fs {
            let text = std::fs::read_to_string(&f).unwrap();
            for (n, line) in text.lines().enumerate() {
                for used in named(line, &order) {
                    let j = order.iter().position(|l| *l == used).unwrap();
                    if j > i {
                        wrong.push(format!(
                            "{}:{}: {layer} uses {used}: {}",
                            f.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "upward arrows:\n{}", wrong.join("\n"));
}

#[test]
fn the_checker_sees_grouped_and_plain_paths() {
    let all: Vec<String> = ["ipvs", "state", "cli"].iter().map(|s| s.to_string()).collect();
    assert_eq!(
        named("use crate::{ipvs::Op, state::Table};", &all),
        ["ipvs", "state"]
    );
    assert_eq!(
        named("    let x = crate::cli::run(a); // crate::state", &all),
        ["cli"]
    );
    assert!(named("use super::table;", &all).is_empty());
}
