//! The validity matrix and its messages, and the listing options.

use super::*;

#[test]
fn matrix_messages() {
    assert_err(
        "-A -t 1.2.3.4:80 -w 3",
        "Illegal 'weight' option with the 'add-service' command",
        2,
    );
    assert_err(
        "-L --timeout --daemon",
        "The option 'daemon' conflicts with the 'timeout' option in the 'list' command",
        2,
    );
    // The order on the command line does not matter.
    assert_err(
        "-L --daemon --timeout",
        "The option 'daemon' conflicts with the 'timeout' option in the 'list' command",
        2,
    );
    assert_err(
        "-L -c -t 1.2.3.4:80",
        "The option 'service-address' conflicts with the 'connection' option in the 'list' command",
        2,
    );
    assert_err(
        "-a -t 1.1.1.1:80",
        "You need to supply the 'real-server' option for the 'add-server' command",
        2,
    );
    assert_err(
        "-A -s rr",
        "You need to supply the 'service-address' option for the 'add-service' command",
        2,
    );
    // Lowest option index first: -n (0) before -w (8).
    assert_err(
        "-A -t 1.2.3.4:80 -w 3 -n",
        "Illegal 'numeric' option with the 'add-service' command",
        2,
    );
    // A missing required option before an illegal later one.
    assert_err(
        "-a -t 1.2.3.4:80 -s rr",
        "Illegal 'scheduler' option with the 'add-server' command",
        2,
    );
    assert_err(
        "-d -s rr",
        "You need to supply the 'service-address' option for the 'delete-server' command",
        2,
    );
    assert_err("-C -n", "Illegal 'numeric' option with the 'flush' command", 2);
    assert_err(
        "-S --nosort",
        "Illegal 'nosort' option with the 'save' command",
        2,
    );
    assert_err("-R -n", "Illegal 'numeric' option with the 'restore' command", 2);
    assert_err("-Z -n", "Illegal 'numeric' option with the 'zero' command", 2);
    assert_err(
        "-D -t 1.2.3.4:80 -s rr",
        "Illegal 'scheduler' option with the 'delete-service' command",
        2,
    );
    assert_err("-L -o", "Illegal 'ops' option with the 'list' command", 2);
    assert!(parse(&words("-L --syncid 3")).is_ok());
}

#[test]
fn list_options() {
    let l = list("-L -n --stats --rate --thresholds --persistent-conn --nosort --exact --tun-info");
    assert_eq!(
        l,
        ListOptions {
            numeric: true,
            service: None,
            nosort: true,
            connection: false,
            timeout: false,
            daemon: false,
            stats: true,
            rate: true,
            thresholds: true,
            persistent_conn: true,
            exact: true,
            tun_info: true,
        }
    );
    assert!(list("-L -c").connection);
    assert!(list("-L --timeout").timeout);
    assert!(list("-L --daemon").daemon);
    assert!(list("-L -X").exact);
    assert_eq!(list("-L -t 1.2.3.4:80").service, Some(tcp("1.2.3.4", 80)));
    assert_eq!(
        list("-L -f 5 -6").service,
        Some(ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 5
        })
    );
    assert!(list("-L -c --persistent-conn").persistent_conn);
    assert_err("-L -c --stats", "options conflicts in the list command", 2);
    assert_err("-L --daemon --rate", "options conflicts in the list command", 2);
    assert_err(
        "-L -c -n --thresholds",
        "options conflicts in the list command",
        2,
    );
    assert_err(
        "-L --timeout --persistent-conn",
        "options conflicts in the list command",
        2,
    );
    assert_err(
        "-L --daemon --persistent-conn",
        "options conflicts in the list command",
        2,
    );
}
