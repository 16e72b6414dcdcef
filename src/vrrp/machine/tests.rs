use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use super::*;

const ME: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
const LOW: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9));
const HIGH: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
const SEC: Duration = Duration::from_secs(1);

fn params(priority: u8) -> Params {
    Params {
        version: Version::V3,
        priority,
        interval: SEC,
        preempt: true,
        preempt_delay: Duration::ZERO,
        primary: ME,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn advert(from: IpAddr, priority: u8) -> Input {
    Input::Advert {
        from,
        priority,
        interval: SEC,
    }
}

fn to(from: State, to: State) -> Action {
    Action::Transition { from, to }
}

#[test]
fn skew_and_down_interval_follow_the_rfc_formulas() {
    let m = Machine::new(params(150));
    // (256 - 150) × 1 s / 256 = 414.0625 ms; 3 s + that.
    assert_eq!(m.skew(), Duration::from_nanos(414_062_500));
    assert_eq!(m.down_interval(), Duration::from_nanos(3_414_062_500));
    let mut p = params(100);
    p.interval = Duration::from_secs(2);
    assert_eq!(
        Machine::new(p.clone()).skew(),
        Duration::from_nanos(1_218_750_000)
    );
    // v2: the skew is a fraction of one second whatever the interval.
    p.version = Version::V2;
    let m = Machine::new(p);
    assert_eq!(m.skew(), Duration::from_nanos(609_375_000));
    assert_eq!(m.down_interval(), Duration::from_nanos(6_609_375_000));
}

#[test]
fn a_backup_alone_becomes_master_after_the_down_interval() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(150));
    assert_eq!(
        m.handle(t0, Input::Startup),
        vec![to(State::Initialize, State::Backup)]
    );
    let down = t0 + m.down_interval();
    assert_eq!(m.deadline(), Some(down));
    assert!(m.poll(down - ms(1)).is_empty(), "not before the deadline");
    assert_eq!(m.state(), State::Backup);
    assert_eq!(
        m.poll(down),
        vec![Action::Send(150), to(State::Backup, State::Master)]
    );
    // Then one advert per interval, counted from the due time.
    assert_eq!(m.deadline(), Some(down + SEC));
    assert_eq!(m.poll(down + SEC + ms(30)), vec![Action::Send(150)]);
    assert_eq!(m.deadline(), Some(down + 2 * SEC));
    assert_eq!(m.master(), Some((ME, 150)));
}

#[test]
fn the_owner_takes_over_at_once() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(255));
    assert_eq!(
        m.handle(t0, Input::Startup),
        vec![Action::Send(255), to(State::Initialize, State::Master)]
    );
    assert_eq!(m.deadline(), Some(t0 + SEC));
}

#[test]
fn adverts_from_a_higher_master_keep_a_backup_waiting() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(100));
    m.handle(t0, Input::Startup);
    for k in 1..10u32 {
        let t = t0 + SEC * k;
        assert!(m.handle(t, advert(HIGH, 150)).is_empty());
        assert_eq!(m.deadline(), Some(t + m.down_interval()));
        assert!(m.poll(t).is_empty());
    }
    assert_eq!(m.master(), Some((HIGH, 150)));
    assert_eq!(m.state(), State::Backup);
}

#[test]
fn a_backup_adopts_the_masters_interval() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(100));
    m.handle(t0, Input::Startup);
    let slow = Input::Advert {
        from: HIGH,
        priority: 150,
        interval: Duration::from_secs(2),
    };
    m.handle(t0, slow);
    assert_eq!(m.master_interval(), Duration::from_secs(2));
    // 3 × 2 s + (156 × 2 s / 256).
    assert_eq!(m.deadline(), Some(t0 + Duration::from_nanos(7_218_750_000)));
}

#[test]
fn priority_zero_makes_the_backup_take_over_after_its_skew() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(100));
    m.handle(t0, Input::Startup);
    m.handle(t0, advert(HIGH, 150));
    let t = t0 + ms(500);
    assert!(m.handle(t, advert(HIGH, 0)).is_empty());
    assert_eq!(m.deadline(), Some(t + m.skew()));
    assert_eq!(m.master(), None);
    assert_eq!(
        m.poll(t + m.skew()),
        vec![Action::Send(100), to(State::Backup, State::Master)]
    );
}

#[test]
fn a_higher_backup_preempts_a_lower_master() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(150));
    m.handle(t0, Input::Startup);
    // The lower Master's adverts do not re-arm the timer.
    let deadline = m.deadline();
    assert!(m.handle(t0 + SEC, advert(LOW, 100)).is_empty());
    assert_eq!(m.deadline(), deadline);
    let acts = m.poll(deadline.unwrap());
    assert_eq!(acts.last(), Some(&to(State::Backup, State::Master)));
}

#[test]
fn without_preempt_a_lower_master_is_followed() {
    let t0 = Instant::now();
    let mut p = params(150);
    p.preempt = false;
    let mut m = Machine::new(p);
    m.handle(t0, Input::Startup);
    for k in 1..10u32 {
        let t = t0 + SEC * k;
        m.handle(t, advert(LOW, 100));
        assert!(m.poll(t).is_empty());
    }
    assert_eq!(m.state(), State::Backup);
    assert_eq!(m.master(), Some((LOW, 100)));
}

#[test]
fn the_preempt_delay_holds_a_backup_back_then_lets_it_go() {
    let t0 = Instant::now();
    let mut p = params(150);
    p.preempt_delay = Duration::from_secs(5);
    let mut m = Machine::new(p);
    m.handle(t0, Input::Startup);
    let mut t = t0;
    for k in 1..=5u32 {
        t = t0 + SEC * k - ms(1);
        m.handle(t, advert(LOW, 100));
        assert_eq!(
            m.deadline(),
            Some(t + m.down_interval()),
            "advert {k} held it back"
        );
    }
    // Past the delay, lower adverts are ignored: the timer armed by the
    // last held-back advert fires.
    let armed = m.deadline().unwrap();
    m.handle(t + SEC, advert(LOW, 100));
    assert_eq!(m.deadline(), Some(armed));
    assert_eq!(m.poll(armed).last(), Some(&to(State::Backup, State::Master)));
}

#[test]
fn a_master_yields_to_a_higher_priority_without_priority_zero() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(255));
    m.handle(t0, Input::Startup);
    let mut p = params(100);
    p.primary = ME;
    let mut m2 = Machine::new(p);
    m2.handle(t0, Input::Startup);
    m2.poll(t0 + m2.down_interval());
    assert_eq!(m2.state(), State::Master);
    let t = t0 + Duration::from_secs(4);
    assert_eq!(
        m2.handle(t, advert(LOW, 150)),
        vec![to(State::Master, State::Backup)]
    );
    assert_eq!(m2.master(), Some((LOW, 150)));
    assert_eq!(m2.deadline(), Some(t + m2.down_interval()));
}

#[test]
fn equal_priorities_are_decided_by_the_higher_address() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(100));
    m.handle(t0, Input::Startup);
    m.poll(t0 + m.down_interval());
    let t = t0 + Duration::from_secs(4);
    // A lower address with the same priority: we stay, and say so.
    assert_eq!(m.handle(t, advert(LOW, 100)), vec![Action::Send(100)]);
    assert_eq!(m.state(), State::Master);
    // A higher one wins.
    assert_eq!(
        m.handle(t, advert(HIGH, 100)),
        vec![to(State::Master, State::Backup)]
    );
}

#[test]
fn the_tie_break_address_can_be_learnt_after_a_fault() {
    // Started with no address (its interface was not up yet): in Fault.
    let t0 = Instant::now();
    let mut p = params(100);
    p.primary = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let mut m = Machine::new(p);
    m.handle(t0, Input::Fault(true));
    m.set_primary(HIGH);
    m.handle(t0, Input::Fault(false));
    m.poll(t0 + m.down_interval());
    assert_eq!(m.state(), State::Master);
    // With the learnt address, an equal priority from ME (lower) loses.
    let t = t0 + Duration::from_secs(4);
    assert_eq!(m.handle(t, advert(ME, 100)), vec![Action::Send(100)]);
    assert_eq!(m.state(), State::Master);
}

#[test]
fn a_master_answers_a_lower_advert_and_priority_zero_at_once() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(150));
    m.handle(t0, Input::Startup);
    m.poll(t0 + m.down_interval());
    let t = t0 + Duration::from_secs(4);
    assert_eq!(m.handle(t, advert(LOW, 100)), vec![Action::Send(150)]);
    assert_eq!(m.deadline(), Some(t + SEC), "the interval restarts");
    assert_eq!(m.handle(t, advert(LOW, 0)), vec![Action::Send(150)]);
    assert_eq!(m.state(), State::Master);
}

#[test]
fn shutdown_and_fault_send_priority_zero_from_master_only() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(150));
    m.handle(t0, Input::Startup);
    m.poll(t0 + m.down_interval());
    let t = t0 + Duration::from_secs(5);
    assert_eq!(
        m.handle(t, Input::Fault(true)),
        vec![Action::Send(0), to(State::Master, State::Fault)]
    );
    assert_eq!(m.deadline(), None);
    assert!(m.handle(t, advert(HIGH, 200)).is_empty(), "Fault ignores adverts");
    // Well again: back through Initialize to Backup, the preempt delay
    // starting over.
    assert_eq!(
        m.handle(t, Input::Fault(false)),
        vec![
            to(State::Fault, State::Initialize),
            to(State::Initialize, State::Backup)
        ]
    );
    assert_eq!(
        m.handle(t, Input::Shutdown),
        vec![to(State::Backup, State::Initialize)]
    );
    // And from Master.
    m.handle(t, Input::Startup);
    m.poll(t + m.down_interval());
    assert_eq!(
        m.handle(t, Input::Shutdown),
        vec![Action::Send(0), to(State::Master, State::Initialize)]
    );
}

#[test]
fn release_gives_up_mastership_until_resumed() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(150));
    m.handle(t0, Input::Startup);
    m.poll(t0 + m.down_interval());
    let t = t0 + Duration::from_secs(5);
    assert_eq!(
        m.handle(t, Input::Release(true)),
        vec![Action::Send(0), to(State::Master, State::Backup)]
    );
    assert_eq!(m.priority(), 0);
    assert!(m.handle(t, Input::Release(true)).is_empty(), "twice is once");
    // Silence does not make it Master.
    let later = t + Duration::from_secs(60);
    assert!(m.poll(later).is_empty());
    assert_eq!(m.state(), State::Backup);
    // A lower Master is followed while released.
    m.handle(later, advert(LOW, 100));
    assert_eq!(m.master(), Some((LOW, 100)));
    // Resumed: preempts the lower Master after a down interval.
    assert!(m.handle(later, Input::Release(false)).is_empty());
    let due = m.deadline().unwrap();
    assert_eq!(due, later + m.down_interval());
    assert_eq!(m.poll(due).last(), Some(&to(State::Backup, State::Master)));
}

#[test]
fn a_released_owner_starts_as_backup() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(255));
    m.handle(t0, Input::Release(true));
    assert_eq!(
        m.handle(t0, Input::Startup),
        vec![to(State::Initialize, State::Backup)]
    );
}

#[test]
fn a_late_wake_up_does_not_bunch_adverts() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(255));
    m.handle(t0, Input::Startup);
    // Woken 3.5 intervals late: one advert, the next a whole interval on.
    let late = t0 + ms(4_500);
    assert_eq!(m.poll(late), vec![Action::Send(255)]);
    assert_eq!(m.deadline(), Some(late + SEC));
}

/// Two machines wired back to back (adverts delivered at once), driven
/// by their deadlines: exactly one Master whatever the start order.
#[test]
fn two_routers_settle_on_one_master() {
    let cases = [
        (150, 100, false, 700),
        (150, 100, true, 700),
        (100, 100, false, 700),
        (100, 100, true, 700),
        (100, 100, false, 0),
    ];
    for (p_a, p_b, first_b, gap) in cases {
        let t0 = Instant::now();
        let mut a = Machine::new(params(p_a));
        let mut pb = params(p_b);
        pb.primary = HIGH;
        let mut b = Machine::new(pb);
        let mut now = t0;
        let mut pending: Vec<(bool, u8)> = Vec::new(); // (from a, priority)
        let feed = |from_a: bool, acts: Vec<Action>, pending: &mut Vec<(bool, u8)>| {
            for x in acts {
                if let Action::Send(p) = x {
                    pending.push((from_a, p));
                }
            }
        };
        if first_b {
            feed(false, b.handle(now, Input::Startup), &mut pending);
            now += ms(gap);
            feed(true, a.handle(now, Input::Startup), &mut pending);
        } else {
            feed(true, a.handle(now, Input::Startup), &mut pending);
            now += ms(gap);
            feed(false, b.handle(now, Input::Startup), &mut pending);
        }
        for _ in 0..200 {
            while let Some((from_a, p)) = pending.pop() {
                let (to_m, from) = if from_a { (&mut b, ME) } else { (&mut a, HIGH) };
                let acts = to_m.handle(now, advert(from, p));
                feed(!from_a, acts, &mut pending);
            }
            now = [a.deadline(), b.deadline()].into_iter().flatten().min().unwrap();
            feed(true, a.poll(now), &mut pending);
            feed(false, b.poll(now), &mut pending);
        }
        let masters = [a.state(), b.state()]
            .iter()
            .filter(|s| **s == State::Master)
            .count();
        assert_eq!(
            masters,
            1,
            "{p_a}/{p_b} b first {first_b}: {:?} {:?}",
            a.state(),
            b.state()
        );
        // Equal priorities: a Backup does not preempt an equal Master, so
        // the first one up keeps it (the address decides only between
        // two Masters, tested above).
        // Started together, both become Master at once and the higher
        // address (b) wins.
        let want_a = match (p_a == p_b, gap) {
            (true, 0) => false,
            (true, _) => !first_b,
            _ => p_a > p_b,
        };
        assert_eq!(
            a.state() == State::Master,
            want_a,
            "{p_a}/{p_b} b first {first_b}"
        );
    }
}

#[test]
fn a_fault_before_startup_waits_in_fault_and_starts_when_cleared() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(255));
    assert_eq!(
        m.handle(t0, Input::Fault(true)),
        vec![to(State::Initialize, State::Fault)]
    );
    assert!(
        m.handle(t0, Input::Startup).is_empty(),
        "Startup does not leave Fault"
    );
    assert_eq!(
        m.handle(t0, Input::Fault(false)),
        vec![
            to(State::Fault, State::Initialize),
            Action::Send(255),
            to(State::Initialize, State::Master)
        ]
    );
}

#[test]
fn a_group_member_follows_the_others_at_once() {
    let t0 = Instant::now();
    let mut m = Machine::new(params(100));
    m.handle(t0, Input::Startup);
    m.handle(t0, advert(HIGH, 150));
    // Another member became Master: this one follows without waiting for
    // its down timer, advert first.
    assert_eq!(
        m.handle(t0, Input::Group(State::Master)),
        vec![Action::Send(100), to(State::Backup, State::Master)]
    );
    assert!(
        m.handle(t0, Input::Group(State::Master)).is_empty(),
        "already there"
    );
    // And back, with no priority 0.
    assert_eq!(
        m.handle(t0, Input::Group(State::Backup)),
        vec![to(State::Master, State::Backup)]
    );
    assert_eq!(m.deadline(), Some(t0 + m.down_interval()));
    // Released, it does not follow to Master; in Fault nothing moves it.
    m.handle(t0, Input::Release(true));
    assert!(m.handle(t0, Input::Group(State::Master)).is_empty());
    m.handle(t0, Input::Release(false));
    m.handle(t0, Input::Fault(true));
    assert!(m.handle(t0, Input::Group(State::Master)).is_empty());
    assert_eq!(m.state(), State::Fault);
}
