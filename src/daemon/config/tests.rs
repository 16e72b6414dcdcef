use super::*;

const GOOD: &str = r#"
[daemon]
reconcile_interval = "2s"
drain_timeout = "5s"
socket = "/run/lvsctl/test.sock"

[[services]]
protocol = "tcp"
address = "192.0.2.110"
port = 80
scheduler = "wrr"
on_failure = "remove"
slow_start = "10s"
quorum = 2
hysteresis = 1
sorry_server = { address = "192.0.2.13", forward = "masq" }
notify_down = ["/usr/local/sbin/rs-event", "down", "%h"]

  [services.check]
  type = "tcp"
  interval = "500ms"

  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
  forward = "masq"
  weight = 3

  [[services.destinations]]
  address = "192.0.2.12"
  port = 80
  forward = "masq"
  check = { type = "tcp", connect_port = 8080, rise = 1 }

[[services]]
protocol = "tcp"
address = "192.0.2.111"
port = 80

  [[services.destinations]]
  address = "192.0.2.11"
  port = 80
"#;

#[test]
fn reads_daemon_section_policies_and_checks() {
    let c = parse("d.toml", GOOD).unwrap();
    assert_eq!(c.daemon.reconcile_interval, Duration::from_secs(2));
    assert_eq!(c.daemon.drain_timeout, Duration::from_secs(5));
    assert_eq!(c.daemon.socket, Some(PathBuf::from("/run/lvsctl/test.sock")));
    assert_eq!(c.daemon.line, Some(2));
    assert_eq!(c.services.len(), 2);
    let s = &c.services[0];
    assert_eq!(s.line, 7);
    assert_eq!(s.policy.on_failure, OnFailure::Remove);
    assert_eq!(s.policy.slow_start, Duration::from_secs(10));
    assert_eq!((s.policy.quorum, s.policy.hysteresis), (2, 1));
    let sorry = s.policy.sorry_server.as_ref().unwrap();
    assert_eq!(
        (sorry.addr.to_string(), sorry.port, sorry.fwd),
        ("192.0.2.13".into(), 80, ForwardMethod::Masq)
    );
    assert_eq!(s.policy.notify_down, ["/usr/local/sbin/rs-event", "down", "%h"]);
    // The first server takes the service's check, the second its own.
    assert_eq!(s.dests[0].checks[0].interval, Duration::from_millis(500));
    assert_eq!(s.dests[0].dest.weight, 3);
    assert_eq!(s.dests[1].checks[0].connect_port, Some(8080));
    assert_eq!(s.dests[1].checks[0].rise, 1);
    // A service without checks has static servers, default policy.
    assert!(c.services[1].dests[0].checks.is_empty());
    assert_eq!(c.services[1].policy, ServicePolicy::default());
    // The table is apply's.
    assert_eq!(c.desired.table.services.len(), 2);
    assert_eq!(c.server_count(), 3);
    assert_eq!(c.probe_count(), 2);
}

#[test]
fn shared_servers_share_one_probe() {
    let text = r#"
[[services]]
protocol = "tcp"
address = "192.0.2.110"
port = 80
check = { type = "tcp" }
destinations = [{ address = "192.0.2.11", port = 80 }]

[[services]]
protocol = "tcp"
address = "192.0.2.111"
port = 80
check = { type = "tcp" }
destinations = [{ address = "192.0.2.11", port = 80 }]
"#;
    let c = parse("d.toml", text).unwrap();
    assert_eq!(c.server_count(), 2);
    assert_eq!(c.probe_count(), 1);
}

fn error(text: &str) -> String {
    parse("d.toml", text).unwrap_err().to_string()
}

#[test]
fn errors_name_file_and_line() {
    let base = "[[services]]\nprotocol = \"tcp\"\naddress = \"192.0.2.110\"\nport = 80\n";
    let e = error(&format!("[daemon]\nreconcile_intervall = \"1s\"\n{base}"));
    assert!(
        e.starts_with("d.toml:2: unknown field `reconcile_intervall`"),
        "{e}"
    );
    let e = error(&format!("[daemon]\nreconcile_interval = \"10\"\n{base}"));
    assert!(
        e.starts_with("d.toml:1: daemon.reconcile_interval: invalid duration"),
        "{e}"
    );
    let e = error(&format!("[daemon]\nhttp_actions = true\n{base}"));
    assert!(
        e.starts_with("d.toml:1: daemon.http_actions needs daemon.http"),
        "{e}"
    );
    let e = error(&format!(
        "[daemon]\nhttp = \"127.0.0.1:9480\"\nhttp_actions = true\n{base}"
    ));
    assert!(e.contains("needs daemon.http_token_file"), "{e}");
    let e = error(&format!("[daemon]\nhttp = \"localhost\"\n{base}"));
    assert!(
        e.contains("daemon.http \"localhost\": expected ADDRESS:PORT"),
        "{e}"
    );
    let e = error(&format!(
        "[daemon]\nhttp = \"127.0.0.1:1\"\nhttp_token_file = \"t\"\n{base}"
    ));
    assert!(e.contains("must be an absolute path"), "{e}");
    let c = parse(
        "d.toml",
        &format!("[daemon]\nhttp = \"127.0.0.1:9480\"\nhttp_actions = true\nhttp_token_file = \"/etc/lvsctl/http-token\"\n{base}"),
    )
    .unwrap();
    assert_eq!(c.daemon.http, Some("127.0.0.1:9480".parse().unwrap()));
    assert!(c.daemon.http_actions);
    let e = error(&format!("{base}on_failure = \"explode\"\n"));
    assert!(e.starts_with("d.toml:5: on_failure \"explode\""), "{e}");
    let e = error(&format!("{base}notify_up = [\"rs-event\"]\n"));
    assert!(e.contains("absolute path"), "{e}");
    let e = error(&format!("{base}sorry_server = {{ address = \"2001:db8::1\" }}\n"));
    assert!(e.contains("address family"), "{e}");
    let e = error(&format!("{base}quorum = -1\n"));
    assert!(e.starts_with("d.toml:5:"), "{e}");
    let e = error(&format!("{base}sorry_server = {{ address = \"192.0.2.11\" }}\ndestinations = [{{ address = \"192.0.2.11\", port = 80 }}]\n"));
    assert!(e.contains("also a real server"), "{e}");
    let e = error("[daemon]\nsocket = \"relative.sock\"\n");
    assert!(e.contains("absolute path"), "{e}");
    let e = error("[vrrp]\n");
    assert!(e.starts_with("d.toml:1: vrrp must be an array of tables"), "{e}");
    let e = error("[bgp]\n");
    assert!(e.starts_with("d.toml:1: unknown field `bgp`"), "{e}");
    assert!(e.contains("`vrrp`") && e.contains("`vrrp_sync_group`"), "{e}");
}

#[test]
fn a_fwmark_server_without_port_needs_connect_port() {
    let text = "[[services]]\nfwmark = 5\ncheck = { type = \"tcp\" }\ndestinations = [{ address = \"192.0.2.11\" }]\n";
    let e = error(text);
    assert!(e.contains("needs connect_port"), "{e}");
    let ok = text.replace("type = \"tcp\"", "type = \"tcp\", connect_port = 80");
    assert!(parse("d.toml", &ok).is_ok());
}

#[test]
fn switched_off_servers_are_held_to_the_same_rules() {
    // Turning a server on must not make a valid file invalid.
    let off = "[[services]]\nfwmark = 5\ncheck = { type = \"tcp\" }\n\
               destinations = [{ address = \"192.0.2.11\", enabled = false }]\n";
    assert!(
        error(off).contains("real server 192.0.2.11 has no port"),
        "{}",
        error(off)
    );
    let sorry = "[[services]]\nprotocol = \"tcp\"\naddress = \"192.0.2.100\"\nport = 80\n\
                 sorry_server = { address = \"192.0.2.13\", port = 80 }\n\
                 destinations = [{ address = \"192.0.2.13\", port = 80, enabled = false }]\n";
    assert!(
        error(sorry).contains("sorry_server 192.0.2.13 is also a real server"),
        "{}",
        error(sorry)
    );
    // A switched-off server's own check counts, not the service's.
    let own = off.replace(
        "enabled = false }",
        "enabled = false, check = { type = \"tcp\", connect_port = 80 } }",
    );
    assert!(parse("d.toml", &own).is_ok());
}
