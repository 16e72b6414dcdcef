//! The committed man pages and shell completions must be what the current
//! clap definition generates. Regenerate them with
//! `LVSCTL_REGENERATE=1 cargo test --test generated`.

use std::fs;
use std::path::Path;

#[test]
fn committed_man_pages_and_completions_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let regenerate = std::env::var_os("LVSCTL_REGENERATE").is_some();
    let mut stale = Vec::new();
    let files = lvsctl::cli::generate::files();
    assert!(files.len() >= 4, "expected man page and three completions");
    for (path, content) in files {
        let full = root.join(&path);
        if regenerate {
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(&full, &content).unwrap();
        } else if fs::read(&full).ok().as_deref() != Some(&content[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nregenerate with: LVSCTL_REGENERATE=1 cargo test --test generated"
    );
}
