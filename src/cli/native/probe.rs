//! `lvsctl daemon probe`: one check, once, against one server.

use super::{NativeError, Report};

/// Runs `lvsctl daemon probe --check TOML SERVER`.
pub fn run(check: &str, server: &str, netns: Option<&str>) -> Result<Report, NativeError> {
    let _ = (check, server, netns);
    Err(NativeError::Usage("lvsctl daemon probe: not built yet".into()))
}
