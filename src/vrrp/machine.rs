//! The VRRP state machine of one virtual router (RFC 9568 §6.4, with
//! keepalived 2.2.7's choices where the RFC leaves room), as a pure
//! function of its inputs and the time the caller says it is.
//!
//! Nothing here reads a clock, opens a socket or touches an address: the
//! caller feeds it [`Input`]s with the current [`Instant`], asks it when
//! it next needs to run ([`Machine::deadline`]), and carries out the
//! [`Action`]s it returns, in order. So every timer rule (skew, master
//! down, preempt delay, priority 0) is tested with made-up time, and the
//! thread that runs it decides how to wait.
//!
//! The rules, and where they come from:
//! * Startup: the address owner (priority 255) becomes Master at once;
//!   everyone else starts as Backup with the master-down timer running.
//! * Backup: an advertisement re-arms the master-down timer
//!   (`3 × interval + skew`, from the interval the Master advertises, in
//!   both versions: keepalived drops a v2 advert whose interval differs
//!   before it gets here) unless it is of lower priority and we may
//!   preempt; priority 0 shortens it to the skew. When it fires: Master.
//! * Preempt delay (keepalived's `preempt_delay`): for that long after
//!   startup or leaving Fault, lower-priority adverts still hold a Backup
//!   back, so a director that just booted does not take over before its
//!   checks have settled.
//! * Master: sends every interval; priority 0 from another router makes
//!   it send at once; a higher priority, or the same with a higher
//!   primary address, makes it Backup (no priority 0: the new Master has
//!   the addresses already); a lower one is answered with an advert at
//!   once (RFC 9568 §6.4.3, as keepalived does by default).
//! * Fault (a tracked service or interface failed) and shutdown: a Master
//!   sends priority 0 first, so the Backup takes over after its skew
//!   rather than three intervals.
//! * Release (`lvsctl daemon vrrp release`): like Fault for the other
//!   router (priority 0, then silent), but the instance keeps listening as
//!   a Backup that never takes over, until resumed.
//! * Sync groups: the caller tells each member when another became Master
//!   or Backup ([`Input::Group`]), and a member follows at once (a released
//!   one does not take over).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::packet::Version;

/// Where the instance is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Not started, or stopped.
    Initialize,
    /// Watching the Master.
    Backup,
    /// Holding the addresses.
    Master,
    /// A tracked object failed: not taking part.
    Fault,
}

impl State {
    /// keepalived's word for it (notify arguments, logs, status).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Initialize => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the machine needs to know of its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The protocol version (decides the skew's formula).
    pub version: Version,
    /// 1-254, or 255 for the address owner.
    pub priority: u8,
    /// Our advertisement interval.
    pub interval: Duration,
    /// Whether a higher priority takes over from a lower Master.
    pub preempt: bool,
    /// How long after startup (or Fault) lower-priority adverts still
    /// hold us back.
    pub preempt_delay: Duration,
    /// Our primary address, the adverts' source (the tie-break).
    pub primary: IpAddr,
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The instance starts.
    Startup,
    /// The instance stops (daemon exit, instance removed by a reload).
    Shutdown,
    /// An accepted advertisement from another router.
    Advert {
        /// Its source address.
        from: IpAddr,
        /// Its priority.
        priority: u8,
        /// Its interval.
        interval: Duration,
    },
    /// A tracked object failed (true) or every one is well again (false).
    Fault(bool),
    /// `vrrp release` (true) or `vrrp resume` (false).
    Release(bool),
    /// Another instance of its sync group became Master or Backup: follow
    /// it (a group's instances change state together; Fault goes through
    /// [`Input::Fault`]).
    Group(State),
}

/// What the caller must do, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send an advertisement with this priority (0: leaving).
    Send(u8),
    /// The state changed: on entering Master, add the addresses and
    /// announce them; on leaving it, remove them.
    Transition {
        /// The old state.
        from: State,
        /// The new one.
        to: State,
    },
}

/// One virtual router's state and timers.
#[derive(Debug, Clone)]
pub struct Machine {
    params: Params,
    state: State,
    /// The Master's advertised interval (ours until we hear one).
    master_interval: Duration,
    /// Master: the next advert. Backup: the master-down time.
    timer: Option<Instant>,
    /// Lower-priority adverts hold a Backup back until then.
    preempt_until: Option<Instant>,
    /// Released by hand: never becomes Master.
    released: bool,
    /// The last Master heard (address, priority), for status.
    master: Option<(IpAddr, u8)>,
}

impl Machine {
    /// A machine in Initialize.
    pub fn new(params: Params) -> Machine {
        Machine {
            master_interval: params.interval,
            params,
            state: State::Initialize,
            timer: None,
            preempt_until: None,
            released: false,
            master: None,
        }
    }

    /// The state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Sets the address it sends from (the tie-break), in any state: the
    /// interface's address is known only once its socket opens.
    pub fn set_primary(&mut self, primary: IpAddr) {
        self.params.primary = primary;
    }

    /// Whether it is released by hand.
    pub fn released(&self) -> bool {
        self.released
    }

    /// The priority it advertises now (0 when released).
    pub fn priority(&self) -> u8 {
        if self.released {
            0
        } else {
            self.params.priority
        }
    }

    /// The Master last heard from, or ourselves while Master.
    pub fn master(&self) -> Option<(IpAddr, u8)> {
        match self.state {
            State::Master => Some((self.params.primary, self.params.priority)),
            _ => self.master,
        }
    }

    /// The interval the Master advertises (ours while Master).
    pub fn master_interval(&self) -> Duration {
        self.master_interval
    }

    /// When [`Machine::poll`] next has something to do.
    pub fn deadline(&self) -> Option<Instant> {
        self.timer
    }

    /// `Skew_Time`: the lower the priority, the later a Backup takes
    /// over. v3: `(256 − priority) × Master_Adver_Interval / 256`; v2: the
    /// same fraction of one second (RFC 3768 §6.1).
    pub fn skew(&self) -> Duration {
        let weight = 256 - u32::from(self.params.priority);
        match self.params.version {
            Version::V3 => self.master_interval * weight / 256,
            Version::V2 => Duration::from_secs(1) * weight / 256,
        }
    }

    /// `Master_Down_Interval`: three intervals and the skew.
    pub fn down_interval(&self) -> Duration {
        self.master_interval * 3 + self.skew()
    }

    fn go(&mut self, to: State, out: &mut Vec<Action>) {
        let from = self.state;
        if from != to {
            self.state = to;
            out.push(Action::Transition { from, to });
        }
    }

    fn become_master(&mut self, now: Instant, out: &mut Vec<Action>) {
        // The advert first, so the old Master can let go (keepalived's
        // order), then the addresses.
        out.push(Action::Send(self.params.priority));
        self.master_interval = self.params.interval;
        self.timer = Some(now + self.params.interval);
        self.go(State::Master, out);
    }

    fn become_backup(&mut self, now: Instant, out: &mut Vec<Action>) {
        self.timer = Some(now + self.down_interval());
        self.go(State::Backup, out);
    }

    /// Startup, or the way back from Fault: the owner takes over at once,
    /// everyone else waits as a Backup.
    fn start(&mut self, now: Instant, out: &mut Vec<Action>) {
        self.preempt_until = Some(now + self.params.preempt_delay);
        self.master_interval = self.params.interval;
        if self.params.priority == 255 && !self.released {
            self.become_master(now, out);
        } else {
            self.become_backup(now, out);
        }
    }

    /// Leaves Master for a state where another router must take over
    /// quickly: priority 0 first, then the addresses go.
    fn step_down(&mut self, to: State, out: &mut Vec<Action>) {
        if self.state == State::Master {
            out.push(Action::Send(0));
        }
        self.timer = None;
        self.go(to, out);
    }

    /// Handles one input at `now`.
    pub fn handle(&mut self, now: Instant, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Startup => {
                if self.state == State::Initialize {
                    self.start(now, &mut out);
                }
            }
            Input::Shutdown => {
                self.step_down(State::Initialize, &mut out);
                self.master = None;
            }
            Input::Fault(true) => {
                // From Initialize too: an instance whose interface is
                // missing at startup waits in Fault, not half started.
                if self.state != State::Fault {
                    self.step_down(State::Fault, &mut out);
                    self.master = None;
                }
            }
            Input::Fault(false) => {
                if self.state == State::Fault {
                    self.go(State::Initialize, &mut out);
                    self.start(now, &mut out);
                }
            }
            Input::Release(on) => {
                if self.released == on {
                    return out;
                }
                self.released = on;
                match (self.state, on) {
                    (State::Master, true) => {
                        out.push(Action::Send(0));
                        self.become_backup(now, &mut out);
                    }
                    (State::Backup, false) => {
                        // Resumed: take over as soon as the Master is
                        // silent for a down interval (from now).
                        self.timer = Some(now + self.down_interval());
                    }
                    _ => {}
                }
            }
            Input::Advert {
                from,
                priority,
                interval,
            } => self.advert(now, from, priority, interval, &mut out),
            Input::Group(State::Master) => {
                if self.state == State::Backup && !self.released {
                    self.master = None;
                    self.become_master(now, &mut out);
                }
            }
            Input::Group(State::Backup) => {
                if self.state == State::Master {
                    // No priority 0: the other director's instance is
                    // (or is becoming) Master, as for a higher advert.
                    self.become_backup(now, &mut out);
                }
            }
            Input::Group(_) => {}
        }
        out
    }

    fn advert(
        &mut self,
        now: Instant,
        from: IpAddr,
        priority: u8,
        interval: Duration,
        out: &mut Vec<Action>,
    ) {
        match self.state {
            State::Initialize | State::Fault => {}
            State::Backup => {
                if priority == 0 {
                    // The Master is leaving: take over after the skew.
                    self.master = None;
                    self.timer = Some(now + self.skew());
                    return;
                }
                let delayed = self.preempt_until.is_some_and(|t| now < t);
                let mine = self.priority();
                if !self.params.preempt || priority >= mine || delayed || self.released {
                    self.master = Some((from, priority));
                    self.master_interval = interval;
                    self.timer = Some(now + self.down_interval());
                }
                // Otherwise a lower Master is ignored, and we take over
                // when the down timer fires.
            }
            State::Master => {
                let mine = self.params.priority;
                if priority == 0 {
                    out.push(Action::Send(mine));
                    self.timer = Some(now + self.params.interval);
                } else if priority > mine || (priority == mine && from > self.params.primary) {
                    self.master = Some((from, priority));
                    self.master_interval = interval;
                    self.become_backup(now, out);
                } else {
                    // A lower router thinks it is Master: tell it at once.
                    out.push(Action::Send(mine));
                    self.timer = Some(now + self.params.interval);
                }
            }
        }
    }

    /// Runs the timers due at `now`.
    pub fn poll(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(t) = self.timer else { return out };
        if now < t {
            return out;
        }
        match self.state {
            State::Master => {
                out.push(Action::Send(self.params.priority));
                // From the due time, not from now: a late wake-up does not
                // shift every later advert.
                let mut next = t + self.params.interval;
                if next <= now {
                    next = now + self.params.interval;
                }
                self.timer = Some(next);
            }
            State::Backup => {
                if self.released {
                    self.timer = Some(now + self.down_interval());
                } else {
                    self.master = None;
                    self.become_master(now, &mut out);
                }
            }
            State::Initialize | State::Fault => self.timer = None,
        }
        out
    }
}

#[cfg(test)]
mod tests;
