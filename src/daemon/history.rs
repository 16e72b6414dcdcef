//! The status page's traffic history: connection and byte rates of every
//! service and real server over the last 15 minutes.
//!
//! **Why rates from counters, not the kernel's estimator.** The kernel's
//! `cps`/`bps` are smoothed 2-second estimates that read 0 when
//! `net.ipv4.vs.run_estimation = 0` (large tables switch it off, issue
//! 13). The 64-bit counters are always kept; the rate over a step is
//! their difference over the time between two reads, which also means a
//! short burst between two samples is never lost.
//!
//! **Why this resolution.** The budget is 16 MiB for 10,000 servers. One
//! sample every [`STEP`] (10 s) over 15 minutes is [`POINTS`] (90) slots;
//! two series (connections/s, bytes/s) of `f32` per row make 720 bytes,
//! about 800 with the row's key and last counters: 8 MB for 10,000
//! servers, half the budget ([`History::memory_bytes`] counts it, and a
//! test holds it to the budget). A 5-second step would need 15 MB, too
//! close to the limit once the allocator's slack is added. `f32` keeps 7
//! significant digits, more than a sparkline shows.
//!
//! **Shape.** One ring of sample times shared by every row (all rows are
//! sampled by the same table read), one row per service (key: its
//! selector) and per real server (selector, a space, the server). A row
//! not in a read (a server removed while down) gets no value for that
//! slot (`null` in JSON), not a zero that would draw a false dip. A
//! counter that goes backwards (the server was deleted and added again)
//! restarts from zero, as Prometheus reads a counter reset.

use std::collections::HashMap;
use std::fmt::Write;
use std::time::Duration;

/// Time between two samples.
pub const STEP: Duration = Duration::from_secs(10);

/// Samples kept: 15 minutes.
pub const POINTS: usize = 90;

/// The budget the issue sets: 16 MiB for 10,000 servers.
pub const BUDGET_10K: usize = 16 << 20;

/// One service's or server's series.
#[derive(Debug, Clone)]
struct Row {
    key: Box<str>,
    /// Counters at the last read: connections, bytes in + out.
    last: Option<(u64, u64)>,
    conns: [f32; POINTS],
    bytes: [f32; POINTS],
}

/// The history of every row.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Sample times (seconds since the epoch), one per slot.
    times: Vec<u64>,
    /// The next slot to write.
    head: usize,
    /// Slots written, at most [`POINTS`].
    filled: usize,
    rows: Vec<Row>,
    index: HashMap<Box<str>, usize>,
    /// When the last read was taken, on a monotonic clock (seconds): a
    /// rate is over the real time between two reads, whatever the wall
    /// clock does.
    last_at: Option<f64>,
}

/// One row's counters in a read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// [`History`] key.
    pub key: String,
    /// Connections scheduled.
    pub conns: u64,
    /// Bytes in and out.
    pub bytes: u64,
}

/// The key of a real server's row.
pub fn server_key(service: &str, server: &str) -> String {
    format!("{service} {server}")
}

/// The rate of a counter between two reads `dt` seconds apart.
fn rate(before: u64, now: u64, dt: f64) -> f32 {
    let delta = if now >= before { now - before } else { now };
    (delta as f64 / dt) as f32
}

impl History {
    /// Records one read taken at `at` on a monotonic clock (seconds),
    /// labelled `wall` (seconds since the epoch; made later than the last
    /// label if the wall clock stepped back, so that `since` cursors and
    /// the page's appending stay in order). Rows the read lacks get no
    /// value in this slot; rows seen for the first time get theirs from
    /// the next read on; a row missing from the read that has no value
    /// left in the whole ring is dropped (a server gone for 15 minutes).
    pub fn record(&mut self, at: f64, wall: u64, readings: &[Reading]) {
        if self.times.len() < POINTS {
            self.times.resize(POINTS, 0);
        }
        let dt = match self.last_at {
            Some(t) if at > t => Some(at - t),
            _ => None,
        };
        let slot = self.head;
        let label = match self.newest() {
            Some(prev) if wall <= prev => prev + 1,
            _ => wall,
        };
        self.times[slot] = label;
        for r in &mut self.rows {
            r.conns[slot] = f32::NAN;
            r.bytes[slot] = f32::NAN;
        }
        let mut seen = vec![false; self.rows.len()];
        for x in readings {
            let i = match self.index.get(x.key.as_str()) {
                Some(i) => *i,
                None => {
                    let key: Box<str> = x.key.clone().into_boxed_str();
                    self.rows.push(Row {
                        key: key.clone(),
                        last: None,
                        conns: [f32::NAN; POINTS],
                        bytes: [f32::NAN; POINTS],
                    });
                    seen.push(false);
                    self.index.insert(key, self.rows.len() - 1);
                    self.rows.len() - 1
                }
            };
            seen[i] = true;
            let row = &mut self.rows[i];
            let now = (x.conns, x.bytes);
            if let (Some(dt), Some(before)) = (dt, row.last) {
                row.conns[slot] = rate(before.0, now.0, dt);
                row.bytes[slot] = rate(before.1, now.1, dt);
            }
            row.last = Some(now);
        }
        // New rows come in at a start or a reload; what counts against
        // the budget is what is allocated, so no doubling slack is kept.
        if self.rows.capacity() > self.rows.len() {
            self.rows.shrink_to_fit();
        }
        // A row missing from the read starts again from its next one.
        let mut empty = false;
        for (r, s) in self.rows.iter_mut().zip(&seen) {
            if !s {
                r.last = None;
                empty |= r.conns.iter().all(|v| v.is_nan());
            }
        }
        if empty {
            let mut k = 0;
            self.rows.retain(|r| {
                let keep = seen[k] || !r.conns.iter().all(|v| v.is_nan());
                k += 1;
                keep
            });
            self.reindex();
        }
        self.last_at = Some(at);
        self.head = (self.head + 1) % POINTS;
        self.filled = (self.filled + 1).min(POINTS);
    }

    /// Keeps only the rows `keep` says (after a reload: the services and
    /// servers of the new file).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.rows.retain(|r| keep(&r.key));
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key.clone(), i))
            .collect();
    }

    /// Rows kept.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row is kept.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The time of the newest sample, if any.
    pub fn newest(&self) -> Option<u64> {
        (self.filled > 0).then(|| self.times[(self.head + POINTS - 1) % POINTS])
    }

    /// Heap and inline bytes the history holds (what the budget counts).
    pub fn memory_bytes(&self) -> usize {
        let rows = self.rows.capacity() * std::mem::size_of::<Row>();
        let keys: usize = self.rows.iter().map(|r| 2 * r.key.len()).sum();
        // hashbrown: one (key, value) slot and one control byte per
        // bucket, at most 8 buckets per 7 entries.
        let index = self.index.capacity() * (std::mem::size_of::<(Box<str>, usize)>() + 1) * 8 / 7;
        std::mem::size_of::<Self>() + rows + keys + index + self.times.capacity() * 8
    }

    /// Slots in time order, oldest first.
    fn order(&self) -> impl Iterator<Item = usize> + '_ {
        let start = (self.head + POINTS - self.filled) % POINTS;
        (0..self.filled).map(move |k| (start + k) % POINTS)
    }

    /// The samples newer than `since` (seconds since the epoch; `None`
    /// for everything) as JSON: `{"step":10,"points":90,"times":[...],
    /// "series":{"KEY":{"conns":[...],"bytes":[...]}}}`, a value per time,
    /// `null` where a row had none.
    pub fn json(&self, since: Option<u64>) -> String {
        let slots: Vec<usize> = self
            .order()
            .filter(|s| since.is_none_or(|t| self.times[*s] > t))
            .collect();
        let mut o = String::with_capacity(64 + self.rows.len() * (48 + slots.len() * 12));
        let _ = write!(o, "{{\"step\":{},\"points\":{POINTS},\"times\":[", STEP.as_secs());
        for (k, s) in slots.iter().enumerate() {
            if k > 0 {
                o.push(',');
            }
            let _ = write!(o, "{}", self.times[*s]);
        }
        o.push_str("],\"series\":{");
        // Nothing new: no row either (an open page asks every 2 s).
        let rows = if slots.is_empty() { &[][..] } else { &self.rows[..] };
        for (k, r) in rows.iter().enumerate() {
            if k > 0 {
                o.push(',');
            }
            o.push_str(&serde_json::to_string(&*r.key).unwrap_or_else(|_| "\"\"".into()));
            o.push_str(":{\"conns\":");
            values(&mut o, &r.conns, &slots);
            o.push_str(",\"bytes\":");
            values(&mut o, &r.bytes, &slots);
            o.push('}');
        }
        o.push_str("}}");
        o
    }
}

fn values(o: &mut String, series: &[f32; POINTS], slots: &[usize]) {
    o.push('[');
    for (k, s) in slots.iter().enumerate() {
        if k > 0 {
            o.push(',');
        }
        let v = series[*s];
        if v.is_finite() {
            // Three decimals are more than a chart draws and keep the
            // document small.
            let r = (f64::from(v) * 1000.0).round() / 1000.0;
            let _ = write!(o, "{r}");
        } else {
            o.push_str("null");
        }
    }
    o.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(key: &str, conns: u64, bytes: u64) -> Reading {
        Reading {
            key: key.into(),
            conns,
            bytes,
        }
    }

    fn parsed(h: &History, since: Option<u64>) -> serde_json::Value {
        serde_json::from_str(&h.json(since)).unwrap()
    }

    /// A series as numbers (`None` for `null`).
    fn series(v: &serde_json::Value, key: &str, which: &str) -> Vec<Option<f64>> {
        v["series"][key][which]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64())
            .collect()
    }

    #[test]
    fn rates_are_counter_differences_over_the_real_interval() {
        let mut h = History::default();
        h.record(1000.0, 1000, &[read("a", 10, 1000)]);
        h.record(1010.0, 1010, &[read("a", 30, 6000)]);
        h.record(1015.0, 1015, &[read("a", 35, 6000)]);
        let v = parsed(&h, None);
        assert_eq!(v["times"], serde_json::json!([1000, 1010, 1015]));
        assert_eq!(series(&v, "a", "conns"), vec![None, Some(2.0), Some(1.0)]);
        assert_eq!(series(&v, "a", "bytes"), vec![None, Some(500.0), Some(0.0)]);
        // Only what is newer than `since`.
        let v = parsed(&h, Some(1010));
        assert_eq!(v["times"], serde_json::json!([1015]));
        assert_eq!(series(&v, "a", "conns"), vec![Some(1.0)]);
        assert_eq!(h.newest(), Some(1015));
    }

    #[test]
    fn missing_rows_have_gaps_and_resets_restart_from_zero() {
        let mut h = History::default();
        h.record(0.0, 0, &[read("a", 100, 0), read("b", 5, 0)]);
        h.record(10.0, 10, &[read("a", 200, 0)]);
        h.record(20.0, 20, &[read("a", 50, 0), read("b", 9, 0)]);
        h.record(30.0, 30, &[read("a", 60, 0), read("b", 19, 0)]);
        let v = parsed(&h, None);
        assert_eq!(
            series(&v, "a", "conns"),
            vec![None, Some(10.0), Some(5.0), Some(1.0)]
        );
        // b: absent at 10, so 20 has no base either.
        assert_eq!(series(&v, "b", "conns"), vec![None, None, None, Some(1.0)]);
    }

    #[test]
    fn the_ring_keeps_fifteen_minutes() {
        let mut h = History::default();
        for k in 0..(POINTS as u64 + 5) {
            h.record((k * 10) as f64, k * 10, &[read("a", k * 10, 0)]);
        }
        let v = parsed(&h, None);
        let times = v["times"].as_array().unwrap();
        assert_eq!(times.len(), POINTS);
        assert_eq!(times[0], 50);
        assert_eq!(times[POINTS - 1], (POINTS as u64 + 4) * 10);
        assert!(series(&v, "a", "conns").iter().all(|x| *x == Some(1.0)));
    }

    #[test]
    fn labels_stay_in_order_when_the_wall_clock_steps_back() {
        let mut h = History::default();
        h.record(0.0, 1000, &[read("a", 0, 0)]);
        h.record(10.0, 1010, &[read("a", 10, 0)]);
        // The wall clock went back an hour; the rate is over the real 10 s.
        h.record(20.0, 4000 - 3600, &[read("a", 30, 0)]);
        let v = parsed(&h, None);
        assert_eq!(v["times"], serde_json::json!([1000, 1010, 1011]));
        assert_eq!(series(&v, "a", "conns"), vec![None, Some(1.0), Some(2.0)]);
        let v = parsed(&h, Some(1010));
        assert_eq!(v["times"], serde_json::json!([1011]));
        // Nothing newer: no rows at all.
        assert_eq!(
            h.json(Some(1011)),
            "{\"step\":10,\"points\":90,\"times\":[],\"series\":{}}"
        );
    }

    #[test]
    fn rows_gone_for_the_whole_ring_are_dropped() {
        let mut h = History::default();
        h.record(0.0, 0, &[read("a", 0, 0), read("b", 0, 0)]);
        h.record(10.0, 10, &[read("a", 1, 0), read("b", 1, 0)]);
        assert_eq!(h.len(), 2);
        for k in 2..(POINTS as u64 + 2) {
            h.record((k * 10) as f64, k * 10, &[read("a", k, 0)]);
        }
        assert_eq!(h.len(), 1, "b had no value left in the ring");
        assert_eq!(series(&parsed(&h, None), "a", "conns").len(), POINTS);
    }

    #[test]
    fn retain_drops_rows_of_a_smaller_file() {
        let mut h = History::default();
        h.record(0.0, 0, &[read("a", 1, 0), read("b", 1, 0)]);
        h.retain(|k| k == "b");
        assert_eq!(h.len(), 1);
        h.record(10.0, 10, &[read("a", 2, 0), read("b", 3, 0)]);
        let v = parsed(&h, None);
        assert_eq!(series(&v, "b", "conns"), vec![None, Some(0.2)]);
        assert_eq!(series(&v, "a", "conns"), vec![None, None]);
    }

    #[test]
    fn ten_thousand_servers_fit_the_budget() {
        let mut h = History::default();
        let mut readings: Vec<Reading> = (0..100)
            .map(|s| read(&format!("tcp:192.0.2.{s}:80"), 0, 0))
            .collect();
        for s in 0..100u32 {
            for d in 0..100u32 {
                readings.push(read(
                    &server_key(
                        &format!("tcp:192.0.2.{s}:80"),
                        &format!("[2001:db8::{s:x}:{d:x}]:8080"),
                    ),
                    0,
                    0,
                ));
            }
        }
        for k in 0..POINTS + 3 {
            for r in &mut readings {
                r.conns += 3;
                r.bytes += 3000;
            }
            h.record((k * 10) as f64, k as u64 * 10, &readings);
        }
        assert_eq!(h.len(), 10_100);
        let m = h.memory_bytes();
        assert!(m <= BUDGET_10K, "{m} bytes for 10,000 servers");
        // What the module's documentation says: about 8 MB.
        assert!(m > 7_000_000 && m < 10_000_000, "{m}");
    }
}
