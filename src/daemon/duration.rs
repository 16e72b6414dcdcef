//! Durations as the daemon's file writes them: `"500ms"`, `"1s"`, `"5m"`,
//! `"1h"`, or several run together (`"1m30s"`). A bare number is refused
//! in the new keys (is `10` seconds or milliseconds?); the keys `apply`
//! already had keep their integer seconds.

use std::time::Duration;

/// Longest duration accepted anywhere (a week): a larger one is a typo.
pub const MAX: Duration = Duration::from_secs(7 * 86_400);

/// Parses a duration string; the message says what was expected.
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("invalid duration {text:?}: expected a number and a unit (ms, s, m, h), e.g. \"500ms\", \"10s\", \"1m30s\"")
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 12 {
            return Err(bad());
        }
        let n: u128 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let ms_per: u128 = match &rest[..unit] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit..];
        total += n * ms_per;
        if total > MAX.as_millis() {
            return Err(format!("duration {text:?} is longer than a week"));
        }
    }
    Ok(Duration::from_millis(total as u64))
}

/// Writes a duration the way [`parse`] reads it, in its largest exact unit.
pub fn show(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        "0s".to_string()
    } else if ms % 3_600_000 == 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms % 60_000 == 0 {
        format!("{}m", ms / 60_000)
    } else if ms % 1_000 == 0 {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_units_and_runs() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in ["", "10", "s", "1x", "1.5s", "-1s", "1 s", "9999999999999s"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(parse("8d").is_err());
        assert!(parse("169h").unwrap_err().contains("week"));
    }

    #[test]
    fn shows_what_parse_reads() {
        for d in [0, 1, 999, 1000, 1500, 60_000, 90_000, 3_600_000] {
            let d = Duration::from_millis(d);
            assert_eq!(parse(&show(d)), Ok(d));
        }
    }
}
