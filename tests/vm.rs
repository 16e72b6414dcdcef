//! The real-kernel tests: one `#[test]` per scenario of `tests/vm/scenarios/`,
//! each booting the IPVS test VM (see `tests/common/mod.rs` for how a run is
//! judged, and how to run one scenario).
//!
//! Adding a scenario: write `tests/vm/scenarios/NAME.sh` (a bash script using
//! the check helpers of `tests/vm/lib.sh`, ending with `summary`), then add one
//! `vm_scenario!` line below, named after it. Keys, all optional, in this
//! order:
//!
//! * `timeout = SECS`: the VM's time limit, when 300 s is not enough;
//! * `count = N`: how many checks the scenario records; required when it
//!   builds check names at run time (`"rs.$mode.up"`) or records them in
//!   helpers, because those cannot be read from the script;
//! * `checks = [...]`: names that must be recorded and pass, on top of every
//!   name written out in the script (which the runner requires by itself).

mod common;

/// `vm_scenario!(NAME, "SCRIPT.sh", timeout = SECS, count = N, checks = [...])`:
/// a test called NAME that runs the scenario in the VM and fails on any
/// failed, skipped or missing check (see `tests/common/mod.rs`).
macro_rules! vm_scenario {
    ($(#[$doc:meta])* $name:ident, $script:literal
     $(, timeout = $timeout:expr)? $(, count = $count:expr)? $(, checks = $checks:expr)? $(,)?) => {
        $(#[$doc])*
        #[test]
        fn $name() {
            #[allow(unused_mut)]
            let mut expect = common::Expect::default();
            $(expect.timeout_secs = Some($timeout);)?
            $(expect.count = Some($count);)?
            $(expect.checks = $checks.into_iter().map(String::from).collect();)?
            common::scenario_test($script, expect);
        }
    };
}

vm_scenario!(
    /// The harness itself: IPVS, module loading (explicit and automatic),
    /// network namespaces and the lvsctl binary all work inside the VM.
    smoke,
    "smoke.sh"
);

vm_scenario!(
    /// Every table of `tests/corpus/` built and read by Debian's ipvsadm and
    /// by lvsctl as `ipvsadm`, compared byte for byte; error lines compared
    /// for message, exit code and "changes nothing".
    differential,
    "differential.sh",
    // Took 281 s alone and over 300 s (the default) beside other VMs on 2 cores.
    timeout = 600,
    count = differential_checks().len(),
    checks = differential_checks()
);

vm_scenario!(
    /// Missing IPVS, missing privilege and kernel refusals: lvsctl's messages
    /// and exit codes against Debian's ipvsadm's.
    kernel_errors,
    "kernel_errors.sh",
    count = 31
);

vm_scenario!(
    /// `-R` in ipvsadm mode: validation of the whole input, comments, kernel
    /// refusals in a batch, large inputs.
    restore,
    "restore.sh"
);

vm_scenario!(
    /// `lvsctl apply`, `diff` and `save` against the real kernel: both file
    /// formats, minimal diffs counted with strace, whole-file validation,
    /// pruning, and kernel refusals in the middle of a batch rolled back to
    /// the exact previous table.
    declarative,
    "declarative.sh"
);

vm_scenario!(
    /// Listings taken while another process changes the table are whole;
    /// concurrent applies are serialised; directors with different histories
    /// end with the same `mh` order.
    concurrency,
    "concurrency.sh",
    timeout = 900,
    count = 38
);

vm_scenario!(
    /// Timeouts, zeroing, sync daemons and flush in ipvsadm mode, against
    /// Debian's ipvsadm.
    config_ops,
    "config_ops.sh",
    count = 44
);

vm_scenario!(
    /// lvsctl's own read commands, `--netns` and live completion.
    native,
    "native.sh",
    checks = ["native.json-round-trip", "native.netns.only-there"]
);

vm_scenario!(
    /// Listings of a table carrying live traffic (NAT over TCP, UDP and IPv6,
    /// a firewall-mark service, persistence, the SIP persistence engine),
    /// printed by Debian's ipvsadm and by lvsctl as `ipvsadm`, compared byte
    /// for byte; `-Z` and `--set` read back by both. Between network
    /// namespaces.
    traffic,
    "traffic.sh",
    count = 122,
    checks = [
        "traffic.http-rr",
        "traffic.fwmark-wrr",
        "traffic.sip-callids-spread",
        "nonzero.conns.TCP-198.51.100.10:80",
        "nonzero.activeconn",
        "nonzero.rate-inbps",
        "nonzero.templates",
        "view.-L-n:stats:exact",
        "view.-L-n:rate",
        "view.-L",
        "conn.Lnc",
        "conn.Lc",
        "zero.all-zeroed",
        "set.lvsctl.timeout",
    ]
);

vm_scenario!(
    /// Connection synchronisation: sync daemons started by lvsctl (and by
    /// Debian's ipvsadm) in two director namespaces, a real connection
    /// through the master appearing in the backup, daemons and connections
    /// listed the same by both tools, daemons stopped by lvsctl.
    sync,
    "sync.sh",
    count = 50,
    checks = [
        "lvs.backup-has-connection",
        "lvs.backup.daemon",
        "lvs.backup.conns",
        "lvs.backup.none-left-ipvsadm",
        "ipvsadm.backup-has-connection",
        "ipvsadm.master.daemon",
        "ipvsadm.master.none-left-lvsctl",
        "nosync.backup-has-not",
    ]
);

vm_scenario!(
    /// `lvsctl rs up/down/status` on one host: idempotence, exact undo,
    /// every status verdict and error, rollback, tunnel devices.
    rs_basic,
    "rs_basic.sh",
    count = 101,
    checks = [
        "rs.up-up-down.restores-everything",
        "rs.tun.gre.restored",
        "rs.rollback.nothing-left",
        "rs.errors.change-nothing",
    ]
);

vm_scenario!(
    /// `lvsctl rs up/down/status` proven on a wire: on one bridge with a
    /// client, a director and two real servers, broadcast ARP for the VIP is
    /// answered by several MACs before the cure and by the director alone
    /// after `rs up`, in DR and in TUN with ipip, gue and gre; HTTP through
    /// an `rr` service reaches both real servers and every connection is
    /// counted by the director; `rs up; rs up; rs down` restores every value;
    /// `rs status` is clean in each mode.
    rs_arp,
    "rs_arp.sh",
    count = 78,
    checks = [
        "arp.before.broadcast",
        "arp.before.responders",
        "arp.before.reproduced",
        "arp.dr.responders",
        "arp.ipip.responders",
        "arp.gue.responders",
        "arp.gre.responders",
        "http.dr",
        "http.ipip",
        "http.gue",
        "http.gre",
        "count.dr",
        "count.ipip",
        "count.gue",
        "count.gre",
        "rs.dr.rs1.restored",
        "rs.gue.rs1.restored",
        "rs.gre.rs2.status",
        "rs.rs1.prior-values-kept",
    ]
);

vm_scenario!(
    /// VIP takeover between two LVS-DR directors proven by real traffic: on
    /// one bridge with a client, two directors with the same IPVS table and
    /// two cured real servers, `arp probe` sees three MACs before `rs up` and
    /// dir1's alone after; `vip del` on dir1 and `vip add` on dir2 repoint the
    /// client's existing neighbour entry (IPv4 by gratuitous ARP, IPv6 by
    /// unsolicited neighbour advertisement with override) without any ARP
    /// request or neighbour solicitation from the client, HTTP resumes
    /// through dir2 (counted there, not on dir1), and the captured
    /// announcements have the documented form (request and reply opcodes,
    /// ICMPv6 136 to ff02::1 with hop limit 255).
    takeover,
    "takeover.sh",
    count = 48,
    checks = [
        "probe.before.status",
        "probe.before.macs",
        "probe6.before.macs",
        "probe.after.status",
        "probe.after.macs",
        "v4.before.neigh",
        "v4.takeover.switched",
        "v4.takeover.no-request",
        "v4.after.http",
        "v4.after.count-dir2",
        "v4.after.dir1-unchanged",
        "v4.back.switched",
        "v4.back.no-request",
        "v4.wire.request-form",
        "v4.wire.reply-form",
        "v6.before.neigh",
        "v6.takeover.switched",
        "v6.takeover.no-solicitation",
        "v6.after.http",
        "v6.after.count-dir2",
        "v6.after.dir1-unchanged",
        "v6.wire.na-form",
    ]
);

vm_scenario!(
    /// `lvsctl arp probe/announce` and `vip add/del` on a bridge.
    arp_basic,
    "arp_basic.sh",
    checks = [
        "arp.probe.problem.macs",
        "arp.probe.cured.status",
        "arp.garp.request-form",
        "arp.garp.reply-form",
    ]
);

vm_scenario!(
    /// Every health-check kind of `lvsctl daemon`, one probe at a time with
    /// `lvsctl daemon probe`, against real listeners in a namespace: tcp
    /// (up, refused, a swallowed SYN timed out), http (status, body regex
    /// and literal, chunked and close-delimited bodies), https (a CA made
    /// with openssl, the wrong CA, the wrong name, insecure), send-expect,
    /// udp (a reply, ICMP port unreachable, silence), dns (NOERROR,
    /// NXDOMAIN), ping (IPv4 and IPv6, raw and unprivileged datagram
    /// sockets), command (exit codes, dynamic weight, output, a killed
    /// child), file, and source_address and fwmark shown applied.
    checks,
    "checks.sh"
);

vm_scenario!(
    /// `lvsctl daemon` for operators: `daemon check` and `apply` refusing a
    /// daemon file, READY/RELOADING/STOPPING on a notify socket, the
    /// capabilities it keeps, JSON logs, metrics scraped, the warning other
    /// writers print naming its PID (and the drift it then repairs), the
    /// status group's read-only access by peer credentials, hooks and
    /// command checks as the file's user, SIGTERM keeping the table and
    /// flush_on_stop emptying what it manages.
    daemon_ops,
    "daemon_ops.sh"
);

vm_scenario!(
    /// `through_vip` on an LVS-DR wire: the probe through IPVS to the VIP
    /// passes for the cured real server and fails for the one without the
    /// VIP (a plain probe passes for both); the daemon's firewall-mark
    /// probe services and director sysctls while it runs, left alone by a
    /// pruning `apply`, removed and restored on stop.
    daemon_vip,
    "daemon_vip.sh"
);

vm_scenario!(
    /// `lvsctl daemon` against the real kernel with NAT traffic: a stopped
    /// real server quiesced (no failed request after) and ramped back with
    /// slow_start; the sorry server while every real server is down; one
    /// probe per interval for a server two services share (counted at the
    /// server); SIGHUP sending exactly its changes (strace) with health
    /// kept, an invalid file refused with FILE:LINE; drain kept across a
    /// `kill -9` restart that sends nothing; hand deletions repaired;
    /// servers removed by reload deleted after their last connection or
    /// drain_timeout; a service made by ipvsadm untouched; status, reload,
    /// drain exit codes; SIGTERM leaves the table.
    daemon,
    "daemon.sh",
    // About 3 minutes alone under TCG; room for a loaded 2-core machine.
    timeout = 600
);

vm_scenario!(
    /// Director failover with `lvsctl daemon`'s VRRP on both directors of
    /// an LVS-DR site, proven by HTTP from a client: exactly one holds the
    /// VIP; a cut link and a `kill -9` are taken over within 3 x
    /// advert_interval + skew + 1 s, the client's neighbour entry moving
    /// by gratuitous ARP alone; the old master removes its stale VIP and
    /// preempts; SIGTERM (priority 0) and `vrrp release` hand over within
    /// skew + 1 s; quorum lost on one director (nftables in the real
    /// servers) puts it in Fault; `preempt = false` stays Backup; with
    /// `sync_daemon` the roles of the kernel's sync daemons follow the
    /// VRRP state and a slow download survives a hand-over (reset when the
    /// sync multicast is dropped: the control). Measures time, so it runs
    /// with no other VM beside it ("vm-run: alone").
    vrrp,
    "vrrp.sh",
    timeout = 360,
    count = 63,
    checks = [
        "start.one-master",
        "start.notify",
        "start.http",
        "cut.takeover",
        "cut.http",
        "back.preempt",
        "kill.takeover",
        "kill.restart-preempts",
        "kill.http",
        "term.takeover",
        "term.notify-stop",
        "term.back",
        "release.takeover",
        "release.resumed",
        "sync.roles",
        "sync.control-reset",
        "sync.entry-on-backup",
        "sync.download-survives",
        "sync.roles-swapped",
        "track.takeover",
        "track.http",
        "track.back",
    ]
);

vm_scenario!(
    /// VRRP between `lvsctl daemon` (dir1) and Debian's keepalived 2.2.7
    /// (dir2): v2 and v3 over IPv4, v3 over IPv6, v3 with unicast peers,
    /// each with either as the Master: one holder of the VIP, no advert
    /// refused by keepalived and no difference reported by lvsctl,
    /// hand-over on stop within skew + 1 s and on death within 3 x
    /// interval + skew + 1 s both ways, preempting on restart, HTTP
    /// through lvsctl after keepalived died; a VIP list that differs
    /// reported by lvsctl naming the address; a sync group of two
    /// instances moving together on a fault. Measures time: runs alone.
    vrrp_keepalived,
    "vrrp_keepalived.sh",
    timeout = 480,
    count = 72,
    checks = [
        "v2-ipv4.lvsctl-master.one-master",
        "v2-ipv4.lvsctl-master.keepalived-accepts",
        "v2-ipv4.lvsctl-master.stop.takeover",
        "v2-ipv4.lvsctl-master.death.takeover",
        "v3-ipv4.lvsctl-master.one-master",
        "v3-ipv4.lvsctl-master.keepalived-accepts",
        "v3-ipv4.lvsctl-master.stop.takeover",
        "v3-ipv4.lvsctl-master.death.takeover",
        "v3-ipv6.lvsctl-master.one-master",
        "v3-ipv6.lvsctl-master.keepalived-accepts",
        "v3-ipv6.lvsctl-master.stop.takeover",
        "v3-ipv6.lvsctl-master.death.takeover",
        "v3-unicast.lvsctl-master.one-master",
        "v3-unicast.lvsctl-master.keepalived-accepts",
        "v3-unicast.lvsctl-master.stop.takeover",
        "v3-unicast.lvsctl-master.death.takeover",
        "v2-ipv4.keepalived-master.one-master",
        "v2-ipv4.keepalived-master.keepalived-accepts",
        "v2-ipv4.keepalived-master.stop.takeover",
        "v2-ipv4.keepalived-master.death.takeover",
        "v3-ipv4.keepalived-master.one-master",
        "v3-ipv4.keepalived-master.keepalived-accepts",
        "v3-ipv4.keepalived-master.stop.takeover",
        "v3-ipv4.keepalived-master.death.takeover",
        "v3-ipv6.keepalived-master.one-master",
        "v3-ipv6.keepalived-master.keepalived-accepts",
        "v3-ipv6.keepalived-master.stop.takeover",
        "v3-ipv6.keepalived-master.death.takeover",
        "v3-unicast.keepalived-master.one-master",
        "v3-unicast.keepalived-master.keepalived-accepts",
        "v3-unicast.keepalived-master.stop.takeover",
        "v3-unicast.keepalived-master.death.takeover",
        "v2-ipv4.keepalived-master.death.http",
        "v3-unicast.keepalived-master.death.http",
    ]
);

vm_scenario!(
    /// `lvsctl import keepalived` beside Debian's keepalived 2.2.7: one
    /// keepalived.conf (NAT with HTTP_GET, DR with TCP_CHECK and a sorry
    /// server, a firewall mark with persistence, IPv6, a gue tunnel, a
    /// VRRP instance) run by keepalived in one namespace and, imported,
    /// by `lvsctl daemon` in another: `ipvsadm -Sn` and `-Ln
    /// --thresholds` equal with every check passing, after a real server
    /// fails (quiesced, removed) and after it returns; the two VRRP
    /// instances elect one master. Runs alone.
    import_keepalived,
    "import_keepalived.sh",
    count = 19,
    checks = [
        "run.save",
        "run.thresholds",
        "fail.save",
        "fail.thresholds",
        "back.save",
        "back.thresholds",
    ]
);

vm_scenario!(
    /// `lvsctl import ldirectord` beside Debian's ldirectord: one
    /// ldirectord.cf (NAT with an HTTP negotiation, DR with a connect
    /// check, thresholds and a fallback, a firewall mark with persistence,
    /// IPv6) run by ldirectord in one namespace and, imported, by `lvsctl
    /// daemon` in another: `ipvsadm -Sn` and `-Ln --thresholds` equal with
    /// every check passing, after a real server fails (quiesced, removed)
    /// and after it returns. Runs alone.
    import_ldirectord,
    "import_ldirectord.sh",
    count = 16,
    checks = [
        "run.save",
        "run.thresholds",
        "fail.save",
        "fail.thresholds",
        "back.save",
        "back.thresholds",
    ]
);

vm_scenario!(
    /// `lvsctl import piranha`: one lvs.cf converted for both directors
    /// (notes with their lines, exit 3; a broken file exit 2 with nothing
    /// written), both run by `lvsctl daemon`; the tables equal the
    /// `ipvsadm -Sn` lines derived from lvs.cf(5) and nanny(8), before and
    /// after a real server fails (removed, or quiesced with
    /// quiesce_server); NAT traffic through the Master's VIP and
    /// nat_router; the VIPs and the sync daemon move on SIGTERM. Runs alone.
    import,
    "import.sh",
    count = 35,
    checks = [
        "run.dir1.table",
        "run.dir2.table",
        "fail.dir1.table",
        "fail.dir2.table",
        "back.dir1.table",
        "back.dir2.table",
    ]
);

vm_scenario!(
    /// The daemon's status page against the real kernel, read with curl:
    /// a DR site with two cured real servers and a VRRP instance; the page
    /// and its assets (nothing external, a strict CSP), `/status.json`
    /// equal to `daemon status --output json`, `/metrics` on the same
    /// listener, `/history.json` showing traffic sent through the VIP, the
    /// event stream showing a server down after its HTTP stops, POSTs
    /// refused without the token or from another origin (table
    /// unchanged), and drain, undrain, disable and enable through the page
    /// reaching the kernel and the log.
    status_page,
    "status_page.sh",
    count = 39,
    checks = [
        "page.status-json.same",
        "live.rs2-down-without-reload",
        "traffic.history.service",
        "buttons.refused.table-unchanged",
        "buttons.drain.kernel-weight-0",
    ]
);

vm_scenario!(
    /// The status page in a real headless Chromium on the host
    /// (tests/vm/browser.py, over qemu's user network with restrict=on and
    /// one hostfwd on 127.0.0.1): every service and server with its state
    /// as /status.json has them, VRRP Master, the buttons; a server shown
    /// down within seconds of its HTTP stopping, with no reload; the
    /// connections chart non-zero after requests through the VIP; a
    /// screenshot (OUT/status-page.png); the token typed and Drain clicked,
    /// the kernel weight 0. Runs alone.
    status_browser,
    "status_browser.sh",
    count = 24,
    checks = [
        "browser.dom.services-and-servers",
        "browser.down.within-seconds",
        "browser.down.no-reload",
        "browser.chart.nonzero",
        "browser.screenshot",
        "browser.drain.kernel-weight-0",
    ]
);

vm_scenario!(
    /// The Debian package's boot-time pieces: the .deb built from the
    /// repository and unpacked; lvsctl-realserver.service's ExecStart run
    /// in a real-server namespace cures it (`rs status` exit 0, both VIPs
    /// hidden on lo, the ARP sysctls), a second start changes nothing, and
    /// its ExecStop restores every sysctl and address; the modules-load.d
    /// file's modules load.
    package,
    "package.sh",
    count = 17,
    checks = ["pkg.cured.rs-status", "pkg.stopped.restored"]
);

/// Every check `differential.sh` records when it passes, derived from
/// `tests/corpus/` the way the scenario reads it: per table (every `*.cmds`
/// but `errors.cmds`) the build, read, save and restore comparisons; per line
/// of `errors.cmds` that is neither empty nor a comment, the error
/// comparison and "unchanged" for each tool. A corpus file or line the
/// scenario stops replaying therefore fails the test.
fn differential_checks() -> Vec<String> {
    let dir = common::repo_root().join("tests/corpus");
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(d) => d.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    files.retain(|p| p.extension().is_some_and(|x| x == "cmds"));
    files.sort();
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    };
    let mut names = Vec::new();
    for path in &files {
        let Some(c) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        if c == "errors" {
            continue;
        }
        for check in [
            "statuses",
            "stderr",
            "read-ipvsadm-table",
            "read-lvsctl-table",
            "same-table",
            "nonempty",
            "lvsctl-restores-ipvsadm-save",
            "lvsctl-restore-same-table",
        ] {
            names.push(format!("{c}.{check}"));
        }
        if read(path).lines().any(|l| l == "#! ipvsadm-cannot-restore") {
            names.push(format!("{c}.ipvsadm-rejects-own-negative-fwmark"));
        } else {
            for check in [
                "ipvsadm-restores-lvsctl-save",
                "ipvsadm-restore-same-table",
                "restore-same-order",
            ] {
                names.push(format!("{c}.{check}"));
            }
        }
    }
    let errors = read(&dir.join("errors.cmds"));
    // `IFS= read -r line`: lines split at '\n' only, a final line without one
    // still counts; the scenario skips "" and lines starting with '#'.
    let lines = errors.strip_suffix('\n').unwrap_or(&errors);
    for (i, line) in lines.split('\n').enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let n = i + 1;
        names.push(format!("errors.line{n}"));
        names.push(format!("errors.line{n}.unchanged-by-ipvsadm"));
        names.push(format!("errors.line{n}.unchanged-by-lvsctl"));
    }
    names
}

/// Scripts in `tests/vm/scenarios/` that are not tests: `lab.sh` builds a
/// sample table for `tests/vm/lab` and judges nothing.
const NOT_TESTS: &[&str] = &["lab.sh"];

/// A scenario without a `vm_scenario!` line would never run (host-side: no VM).
#[test]
fn every_scenario_has_a_test() {
    let dir = common::repo_root().join("tests/vm/scenarios");
    let this = include_str!("vm.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/vm/scenarios") {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".sh") && !NOT_TESTS.contains(&&*name) && !this.contains(&format!("\"{name}\"")) {
            missing.push(name.into_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "scenarios without a vm_scenario! in tests/vm.rs: {missing:?}"
    );
}

/// How the runner reads check names from a script (host-side: no VM).
#[test]
fn script_check_names_are_read_from_command_positions() {
    let n = common::script_checks(concat!(
        "# check commented.out true\n",
        "check a.one true\n",
        "check_output \"a.two\" x echo x; pass a.three\n",
        "if cond; then pass a.four; else fail a.four \"why\"; fi\n",
        "LIB_COMPARE_STDERR=1 check_compat a.five -Ln\n",
        "[ -s f ] || fail a.report-only \"no f\"\n",
        "check \"b.$mode.up\" true\n",
        "note \"check not.a.call\"; echo pass not.a.call.either\n",
        "check() { :; }\n",
    ));
    let lit: Vec<&str> = n.literal.iter().map(String::as_str).collect();
    assert_eq!(lit, ["a.five", "a.four", "a.one", "a.three", "a.two"]);
    assert_eq!(n.fail_only.iter().collect::<Vec<_>>(), ["a.report-only"]);
    assert_eq!(n.dynamic.iter().collect::<Vec<_>>(), ["b.$mode.up"]);
}

/// What the runner demands of a clean run (host-side: no VM).
#[test]
fn judge_fails_missing_miscounted_and_unguarded_checks() {
    let report = |names: &[&str]| common::ScenarioReport {
        script: "x.sh".into(),
        out_dir: "/nonexistent".into(),
        harness_code: Some(0),
        harness_output: String::new(),
        status: Some(0),
        checks: names
            .iter()
            .map(|n| common::Check {
                name: n.to_string(),
                ok: true,
                skip: None,
                details: None,
            })
            .collect(),
        bad_result_lines: Vec::new(),
    };
    let script = common::script_checks("check a true\ncheck \"b.$x\" true\nhelper c\n");
    let expect = |count: Option<usize>, checks: &[&str]| common::Expect {
        checks: checks.iter().map(|c| c.to_string()).collect(),
        count,
        timeout_secs: None,
    };
    let judge = |names: &[&str], e: common::Expect| report(names).judge(&script, &e);

    assert!(judge(&["a", "b.1", "c"], expect(Some(3), &["b.1"])).is_empty());
    // A literal name that did not run, a required one, a wrong count.
    let p = judge(&["b.1", "c"], expect(Some(3), &["b.2"]));
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].contains("[\"a\"]") && p[1].contains("[\"b.2\"]") && p[2].contains("count = 3"));
    // Without a count, a name the script does not write out is unguarded.
    let p = judge(&["a", "c"], expect(None, &[]));
    assert!(p.len() == 1 && p[0].contains("count = 2"), "{p:?}");
}
