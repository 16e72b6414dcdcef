//! Look-alikes of the C library functions ipvsadm reads numbers and
//! addresses with (glibc's behaviour in the C locale), because what they
//! accept is part of ipvsadm's grammar: `strtol` takes leading blanks and
//! a sign, `inet_aton` takes `10.1` and `0x7f.1`, `inet_pton` takes
//! neither.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Cuts `s` to at most `max` bytes (at a character boundary), like
/// ipvsadm's `strncpy` into fixed buffers.
pub(super) fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The result of C's `strtol(s, &end, 10)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Strtol {
    /// The value, saturated on overflow (as strtol does).
    pub(super) value: i64,
    /// Digits were found and nothing follows them.
    pub(super) complete: bool,
    /// ERANGE.
    pub(super) overflow: bool,
}

pub(super) fn strtol(s: &str) -> Strtol {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && is_c_space(b[i]) {
        i += 1;
    }
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits_start = i;
    let mut value: i64 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        let d = i64::from(b[i] - b'0');
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        });
        match next {
            Some(v) => value = v,
            None => {
                overflow = true;
                value = if negative { i64::MIN } else { i64::MAX };
            }
        }
        i += 1;
    }
    if i == digits_start {
        // No conversion: strtol returns 0 and leaves `end` at the start.
        return Strtol {
            value: 0,
            complete: false,
            overflow: false,
        };
    }
    Strtol {
        value,
        complete: i == b.len(),
        overflow,
    }
}

/// ipvsadm's `string_to_number`: a whole decimal string (leading blanks
/// and a sign allowed) within `min..=max`.
pub(super) fn string_to_number(s: &str, min: i64, max: i64) -> Option<i64> {
    let r = strtol(s);
    (r.complete && !r.overflow && (min..=max).contains(&r.value)).then_some(r.value)
}

/// C's `atoi` (glibc: `(int) strtol(s, NULL, 10)`).
pub(super) fn atoi(s: &str) -> i32 {
    strtol(s).value as i32
}

/// glibc's `inet_aton`: one to four parts, each decimal, octal (`0`) or
/// hex (`0x`), the last part filling the remaining bytes; anything after
/// a blank is ignored.
pub(super) fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut parts: Vec<u32> = Vec::with_capacity(3);
    let value = loop {
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (value, end) = strtoul_auto(b, i)?;
        if value > u64::from(u32::MAX) {
            return None;
        }
        i = end;
        if b.get(i) == Some(&b'.') {
            if parts.len() > 2 || value > 0xff {
                return None;
            }
            parts.push(value as u32);
            i += 1;
        } else {
            break value as u32;
        }
    };
    if i < b.len() && !is_c_space(b[i]) {
        return None;
    }
    let max = [u32::MAX, 0x00ff_ffff, 0xffff, 0xff][parts.len()];
    if value > max {
        return None;
    }
    let mut word = value;
    for (k, part) in parts.iter().enumerate() {
        word |= part << (24 - 8 * k);
    }
    Some(Ipv4Addr::from(word))
}

/// `strtoul(s + start, &end, 0)` for a string starting with a digit:
/// the value (`None` on overflow) and the end offset.
fn strtoul_auto(b: &[u8], start: usize) -> Option<(u64, usize)> {
    let (radix, mut i) = if b[start] == b'0' {
        if matches!(b.get(start + 1), Some(b'x' | b'X'))
            && b.get(start + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            (16, start + 2)
        } else {
            (8, start)
        }
    } else {
        (10, start)
    };
    let mut value: u64 = 0;
    while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(radix)) {
        value = value.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
        i += 1;
    }
    Some((value, i))
}

/// glibc's `inet_pton(AF_INET)`: exactly four decimal parts 0..255
/// without leading zeros.
pub(super) fn inet_pton4(b: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut count = 0;
    let mut saw_digit = false;
    let mut current: u32 = 0;
    for &c in b {
        if c.is_ascii_digit() {
            if saw_digit && current == 0 {
                return None;
            }
            current = current * 10 + u32::from(c - b'0');
            if current > 255 {
                return None;
            }
            if !saw_digit {
                count += 1;
                if count > 4 {
                    return None;
                }
                saw_digit = true;
            }
            octets[count - 1] = current as u8;
        } else if c == b'.' && saw_digit {
            if count == 4 {
                return None;
            }
            saw_digit = false;
            current = 0;
        } else {
            return None;
        }
    }
    (count == 4).then(|| Ipv4Addr::from(octets))
}

/// glibc's `inet_pton(AF_INET6)`.
pub(super) fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    let b = s.as_bytes();
    let mut out = [0u8; 16];
    let mut tp = 0usize;
    let mut colon: Option<usize> = None;
    let mut i = 0;
    if b.is_empty() {
        return None;
    }
    if b[0] == b':' {
        if b.get(1) != Some(&b':') {
            return None;
        }
        i = 1;
    }
    let mut token_start = i;
    let mut digits = 0;
    let mut value: u32 = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        if let Some(d) = (c as char).to_digit(16) {
            if digits == 4 {
                return None;
            }
            value = (value << 4) | d;
            digits += 1;
            continue;
        }
        if c == b':' {
            token_start = i;
            if digits == 0 {
                if colon.is_some() {
                    return None;
                }
                colon = Some(tp);
                continue;
            }
            if i == b.len() || tp + 2 > 16 {
                return None;
            }
            out[tp] = (value >> 8) as u8;
            out[tp + 1] = value as u8;
            tp += 2;
            digits = 0;
            value = 0;
            continue;
        }
        if c == b'.' && tp + 4 <= 16 {
            if let Some(v4) = inet_pton4(&b[token_start..]) {
                out[tp..tp + 4].copy_from_slice(&v4.octets());
                tp += 4;
                digits = 0;
                break;
            }
        }
        return None;
    }
    if digits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        out[tp] = (value >> 8) as u8;
        out[tp + 1] = value as u8;
        tp += 2;
    }
    if let Some(at) = colon {
        if tp == 16 {
            return None;
        }
        let n = tp - at;
        out.copy_within(at..tp, 16 - n);
        out[at..16 - n].fill(0);
        tp = 16;
    }
    (tp == 16).then(|| Ipv6Addr::from(out))
}
