//! `vip add` and `vip del`: the director takes a VIP over (or gives it
//! up). [`crate::arp::vip`] changes the address; this front end announces
//! it and says what happened.

use std::net::IpAddr;

use super::arp::{announce, duration, frames_name, rtnl_in};
use super::{NativeError, Report, VipCmd};
use crate::arp::vip;
use crate::cli::Console;

/// `lvsctl vip ...`.
pub(super) fn run(cmd: &VipCmd, netns: Option<&str>, con: &mut Console) -> Result<Report, NativeError> {
    match cmd {
        VipCmd::Add {
            vip: v,
            dev,
            garp_count,
            garp_interval,
            garp_form,
        } => {
            let (ip, prefix) = parse_cidr(v)?;
            let interval = duration(garp_interval)?;
            let mut rtnl = rtnl_in(netns)?;
            let change = vip::add(&mut rtnl, dev, ip, prefix)?;
            announce(&change.iface, ip, *garp_form, *garp_count, interval, con)?;
            let verb = if change.added { "added to" } else { "already on" };
            let what = frames_name(ip);
            Ok(Report::Done(format!(
                "{ip}/{prefix} {verb} {dev}; {garp_count} {what} sent\n"
            )))
        }
        VipCmd::Del { vip: v, dev } => {
            let (ip, prefix) = parse_cidr(v)?;
            let mut rtnl = rtnl_in(netns)?;
            Ok(Report::Done(if vip::del(&mut rtnl, dev, ip, prefix)? {
                format!("{ip}/{prefix} removed from {dev}\n")
            } else {
                format!("{ip}/{prefix} is not on {dev}: nothing to do\n")
            }))
        }
    }
}

/// `ADDR/PREFIX`, the prefix at most the family's width.
fn parse_cidr(s: &str) -> Result<(IpAddr, u8), NativeError> {
    let bad = || {
        NativeError::Usage(format!(
            "invalid VIP {s:?}: expected ADDR/PREFIX, e.g. 192.0.2.10/32"
        ))
    };
    let (a, p) = s.split_once('/').ok_or_else(bad)?;
    let ip: IpAddr = a.parse().map_err(|_| bad())?;
    let p: u8 = p.parse().map_err(|_| bad())?;
    if p > if ip.is_ipv4() { 32 } else { 128 } {
        return Err(bad());
    }
    Ok((ip, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vip_prefixes() {
        assert_eq!(
            parse_cidr("192.0.2.10/32").unwrap(),
            ("192.0.2.10".parse().unwrap(), 32)
        );
        assert_eq!(
            parse_cidr("2001:db8::10/128").unwrap(),
            ("2001:db8::10".parse().unwrap(), 128)
        );
        for bad in [
            "192.0.2.10",
            "192.0.2.10/33",
            "2001:db8::1/129",
            "x/24",
            "192.0.2.10/-1",
            "/24",
        ] {
            assert!(matches!(parse_cidr(bad), Err(NativeError::Usage(_))), "{bad}");
        }
    }
}
