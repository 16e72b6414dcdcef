//! Counters and rates of a service or destination (`IPVS_STATS_ATTR_*`).
//!
//! The kernel sends them twice in every reply: the old `STATS` nest, whose
//! counters and rates are `u32` (cut to their low halves) and whose byte
//! counts are `u64`, and `STATS64` (kernels since 4.1), all `u64`. The
//! decoder prefers `STATS64`, so counters above 2^32 survive; ipvsadm's
//! listing truncates them itself, in the formatter, as ipvsadm does.
//!
//! On architectures without efficient unaligned access the kernel may put
//! a `PAD` attribute before a `u64`; it is skipped like any unknown one.

use netlink_packet_core::DecodeError;

use super::attr::{kernel_nest, Attr, Value};
use super::parse::{u32_ne, u64_ne, AttrTable};
use crate::ipvs::model::Stats;

const CONNS: u16 = 1;
const INPKTS: u16 = 2;
const OUTPKTS: u16 = 3;
const INBYTES: u16 = 4;
const OUTBYTES: u16 = 5;
const CPS: u16 = 6;
const INPPS: u16 = 7;
const OUTPPS: u16 = 8;
const INBPS: u16 = 9;
const OUTBPS: u16 = 10;
/// Alignment filler; never read.
const PAD: u16 = 11;

/// The fields in the kernel's order, with whether the 32-bit nest still
/// carries them as `u64`.
fn fields(s: &Stats) -> [(u16, u64, bool); 10] {
    [
        (CONNS, s.conns, false),
        (INPKTS, s.inpkts, false),
        (OUTPKTS, s.outpkts, false),
        (INBYTES, s.inbytes, true),
        (OUTBYTES, s.outbytes, true),
        (CPS, s.cps, false),
        (INPPS, s.inpps, false),
        (OUTPPS, s.outpps, false),
        (INBPS, s.inbps, false),
        (OUTBPS, s.outbps, false),
    ]
}

/// The `STATS` and `STATS64` nests of a reply, as `ip_vs_genl_fill_stats`
/// and `ip_vs_genl_fill_stats64` write them on x86-64 (no padding).
pub(super) fn reply_attrs(s: &Stats, k32: u16, k64: u16) -> [Attr; 2] {
    let narrow = fields(s)
        .into_iter()
        .map(|(k, v, wide)| {
            if wide {
                Attr::new(k, Value::U64(v))
            } else {
                Attr::new(k, Value::U32(v as u32))
            }
        })
        .collect();
    let wide = fields(s)
        .into_iter()
        .map(|(k, v, _)| Attr::new(k, Value::U64(v)))
        .collect();
    [kernel_nest(k32, narrow), kernel_nest(k64, wide)]
}

/// Decodes a `STATS64` nest (`wide`), or a `STATS` nest. Missing fields
/// are zero.
fn decode(b: &[u8], wide: bool) -> Result<Stats, DecodeError> {
    let t = AttrTable::parse(b, PAD)?;
    let get = |kind: u16, is64: bool| -> Result<u64, DecodeError> {
        match t.get(kind) {
            None => Ok(0),
            Some(v) if is64 => u64_ne(v, "counter"),
            Some(v) => Ok(u64::from(u32_ne(v, "counter")?)),
        }
    };
    Ok(Stats {
        conns: get(CONNS, wide)?,
        inpkts: get(INPKTS, wide)?,
        outpkts: get(OUTPKTS, wide)?,
        inbytes: get(INBYTES, true)?,
        outbytes: get(OUTBYTES, true)?,
        cps: get(CPS, wide)?,
        inpps: get(INPPS, wide)?,
        outpps: get(OUTPPS, wide)?,
        inbps: get(INBPS, wide)?,
        outbps: get(OUTBPS, wide)?,
    })
}

/// The counters of a service or destination nest: `STATS64` (`k64`) if
/// present, else `STATS` (`k32`), else zeros.
pub(super) fn of(t: &AttrTable<'_>, k32: u16, k64: u16) -> Result<Stats, DecodeError> {
    if let Some(b) = t.get(k64) {
        decode(b, true)
    } else if let Some(b) = t.get(k32) {
        decode(b, false)
    } else {
        Ok(Stats::default())
    }
}
