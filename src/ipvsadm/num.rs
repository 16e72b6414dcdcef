//! Fast decimal and address formatting for every text format of the
//! crate. `core::fmt` costs several times more, and a large table formats
//! hundreds of thousands of numbers.

/// Appends a decimal number. `core::fmt` costs several times more, and a
/// large table formats hundreds of thousands of them.
pub fn push_num(out: &mut String, v: u64) {
    let mut v = v;
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// Appends a signed decimal number.
pub fn push_signed(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_num(out, v.unsigned_abs());
}

/// Appends an IPv4 address in dotted decimal.
pub fn push_ipv4(out: &mut String, a: std::net::Ipv4Addr) {
    for (i, o) in a.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_num(out, u64::from(o));
    }
}

/// Appends `s` left-aligned in a field of `width` characters (`{:<width}`).
pub fn push_padded(out: &mut String, s: &str, width: usize) {
    out.push_str(s);
    for _ in s.chars().count()..width {
        out.push(' ');
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fast_formatting_matches_core_fmt() {
        for v in [0u64, 1, 9, 10, 99, 100, 4_294_967_295, u64::MAX] {
            let mut s = String::new();
            super::push_num(&mut s, v);
            assert_eq!(s, v.to_string());
        }
        for v in [0i64, -1, i64::MIN, i64::MAX, -2_147_483_648] {
            let mut s = String::new();
            super::push_signed(&mut s, v);
            assert_eq!(s, v.to_string());
        }
        for a in ["0.0.0.0", "255.255.255.255", "10.0.100.1", "192.0.2.9"] {
            let mut s = String::new();
            super::push_ipv4(&mut s, a.parse().unwrap());
            assert_eq!(s, a);
        }
        let mut s = String::new();
        super::push_padded(&mut s, "ab", 5);
        super::push_padded(&mut s, "abcdef", 3);
        assert_eq!(s, format!("{:<5}{:<3}", "ab", "abcdef"));
    }
}
