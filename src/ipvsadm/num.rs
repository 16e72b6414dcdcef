//! Fast decimal and address formatting for every text format of the
//! crate. `core::fmt` costs several times more, and a large table formats
//! hundreds of thousands of numbers.

/// Appends a decimal number. `core::fmt` costs several times more, and a
/// large table formats hundreds of thousands of them. The digits are
/// written into a stack buffer and appended with one reservation.
pub fn push_num(out: &mut String, v: u64) {
    if v < 10 {
        out.push(char::from(b'0' + v as u8));
        return;
    }
    let mut buf = [0u8; 20];
    let at = digits(&mut buf, v);
    push_ascii(out, &buf[at..]);
}

/// Writes `v`'s decimal digits at the end of `buf`; returns where they
/// start.
fn digits(buf: &mut [u8; 20], mut v: u64) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return i;
        }
    }
}

/// Appends bytes that are ASCII by construction (digits, dots) as one
/// copy. The safe routes measured 3-4 times slower for runs this short:
/// `str::from_utf8` + `push_str` validates again, `push`/`extend` encode
/// every byte as a `char`.
fn push_ascii(out: &mut String, b: &[u8]) {
    debug_assert!(b.is_ascii());
    if !b.is_ascii() {
        return;
    }
    // SAFETY: `b` is all ASCII (checked above), so appending its bytes
    // leaves `out` valid UTF-8.
    unsafe { out.as_mut_vec() }.extend_from_slice(b);
}

/// Appends a signed decimal number.
pub fn push_signed(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_num(out, v.unsigned_abs());
}

/// Appends an IPv4 address in dotted decimal, built on the stack and
/// appended at once.
pub fn push_ipv4(out: &mut String, a: std::net::Ipv4Addr) {
    let mut buf = [0u8; 15];
    let mut n = 0;
    for (i, o) in a.octets().into_iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        if o >= 100 {
            buf[n] = b'0' + o / 100;
            n += 1;
        }
        if o >= 10 {
            buf[n] = b'0' + o / 10 % 10;
            n += 1;
        }
        buf[n] = b'0' + o % 10;
        n += 1;
    }
    push_ascii(out, &buf[..n]);
}

/// Appends `s` left-aligned in a field of `width` characters (`{:<width}`).
pub fn push_padded(out: &mut String, s: &str, width: usize) {
    out.push_str(s);
    // Nearly always ASCII (addresses, names): then bytes are characters.
    let n = if s.is_ascii() { s.len() } else { s.chars().count() };
    push_spaces(out, width.saturating_sub(n));
}

/// Appends `n` spaces, a slice of a run of them at a time.
pub fn push_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fast_formatting_matches_core_fmt() {
        for v in [0u64, 1, 9, 10, 99, 100, 101, 65_535, 4_294_967_295, u64::MAX] {
            let mut s = String::new();
            super::push_num(&mut s, v);
            assert_eq!(s, v.to_string());
        }
        for v in [0i64, -1, i64::MIN, i64::MAX, -2_147_483_648] {
            let mut s = String::new();
            super::push_signed(&mut s, v);
            assert_eq!(s, v.to_string());
        }
        for a in [
            "0.0.0.0",
            "255.255.255.255",
            "10.0.100.1",
            "192.0.2.9",
            "100.10.9.0",
            "1.20.199.250",
        ] {
            let mut s = String::new();
            super::push_ipv4(&mut s, a.parse().unwrap());
            assert_eq!(s, a);
        }
        for o in 0..=255u8 {
            let a = std::net::Ipv4Addr::new(o, 255 - o, o / 3, o % 7);
            let mut s = String::new();
            super::push_ipv4(&mut s, a);
            assert_eq!(s, a.to_string());
        }
        let mut s = String::new();
        super::push_padded(&mut s, "ab", 5);
        super::push_padded(&mut s, "abcdef", 3);
        super::push_padded(&mut s, "é", 4);
        super::push_padded(&mut s, "x", 150);
        assert_eq!(s, format!("{:<5}{:<3}{:<4}{:<150}", "ab", "abcdef", "é", "x"));
    }
}
