# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_lvsctl_global_optspecs
    string join \n netns= A/add-service E/edit-service D/delete-service C/clear L/list Z/zero a/add-server e/edit-server d/delete-server set= R/restore S/save start-daemon= stop-daemon= t/tcp-service= u/udp-service= sctp-service= f/fwmark-service= s/scheduler= p/persistent= M/netmask= r/real-server= m/masquerading i/ipip g/gatewaying w/weight= x/u-threshold= y/l-threshold= n/numeric c/connection mcast-interface= syncid= timeout daemon stats rate thresholds persistent-conn nosort sort X/exact 6/ipv6 o/ops pe= b/sched-flags= mcast-group= mcast-port= mcast-ttl= sync-maxlen= tun-info tun-type= tun-port= tun-nocsum tun-csum tun-remcsum h/help V/version
end

function __fish_lvsctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_lvsctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_lvsctl_using_subcommand
    set -l cmd (__fish_lvsctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c lvsctl -n "__fish_lvsctl_needs_command" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l set -d 'ipvsadm: set the TCP, TCP-FIN and UDP timeouts in seconds (0 keeps a value as it is)' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l start-daemon -d 'ipvsadm: start the master or the backup sync daemon' -r -f -a "master\t''
backup\t''"
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l stop-daemon -d 'ipvsadm: stop the master or the backup sync daemon' -r -f -a "master\t''
backup\t''"
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s t -l tcp-service -d 'ipvsadm: the TCP service at HOST[:PORT]' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s u -l udp-service -d 'ipvsadm: the UDP service at HOST[:PORT]' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l sctp-service -d 'ipvsadm: the SCTP service at HOST[:PORT]' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s f -l fwmark-service -d 'ipvsadm: the service of packets with firewall mark MARK (1 to 4294967295)' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s s -l scheduler -d 'ipvsadm: the scheduler that picks a real server (default wlc)' -r -f -a "rr\t''
wrr\t''
lc\t''
wlc\t''
lblc\t''
lblcr\t''
dh\t''
sh\t''
sed\t''
nq\t''
fo\t''
ovf\t''
mh\t''
twos\t''"
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s p -l persistent -d 'ipvsadm: keep a client on the same real server for TIMEOUT seconds (default 360)' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s M -l netmask -d 'ipvsadm: clients in one network of this mask (IPv4) or prefix length (IPv6) share persistence' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s r -l real-server -d 'ipvsadm: the real server at HOST[:PORT] (without a port: the service\'s)' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s w -l weight -d 'ipvsadm: the real server\'s share of new connections, 0 to 2147483647 (default 1; 0: none)' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s x -l u-threshold -d 'ipvsadm: no new connections to the real server while it has UPPER or more (0: no limit)' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s y -l l-threshold -d 'ipvsadm: after the upper threshold, new connections again once below LOWER' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l mcast-interface -d 'ipvsadm: the interface the sync daemon sends or listens on (default eth0)' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l syncid -d 'ipvsadm: the sync daemon\'s id, 0 to 255 (default 0: every id)' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l pe -d 'ipvsadm: the persistence engine (sip)' -r -f -a "sip\t''"
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s b -l sched-flags -d 'ipvsadm: scheduler flags, comma-separated (sh-fallback, sh-port, mh-fallback, mh-port, flag-1..3)' -r -f -a "flag-1\t''
flag-2\t''
flag-3\t''
sh-fallback\t''
sh-port\t''
mh-fallback\t''
mh-port\t''
sh-fallback\,sh-port\t''
mh-fallback\,mh-port\t''"
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l mcast-group -d 'ipvsadm: the sync daemon\'s multicast group, IPv4 or IPv6' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l mcast-port -d 'ipvsadm: the sync daemon\'s UDP port, 1 to 65535' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l mcast-ttl -d 'ipvsadm: the TTL of the sync daemon\'s packets, 1 to 255' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l sync-maxlen -d 'ipvsadm: the largest sync message in bytes, 1 to 65507' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l tun-type -d 'ipvsadm: the tunnel type with -i: ipip (default), gue or gre' -r -f -a "ipip\t''
gue\t''
gre\t''"
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l tun-port -d 'ipvsadm: the UDP port of a gue tunnel' -r
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s A -l add-service -d 'ipvsadm: add a virtual service'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s E -l edit-service -d 'ipvsadm: change a virtual service (options left out return to their defaults)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s D -l delete-service -d 'ipvsadm: delete a virtual service and its real servers'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s C -l clear -d 'ipvsadm: delete every virtual service'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s L -s l -l list -d 'ipvsadm: list the table, one service, the connections, the timeouts or the sync daemons'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s Z -l zero -d 'ipvsadm: zero the counters of every service, or of one'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s a -l add-server -d 'ipvsadm: add a real server to a service'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s e -l edit-server -d 'ipvsadm: change a real server'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s d -l delete-server -d 'ipvsadm: remove a real server from its service'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s R -l restore -d 'ipvsadm: read commands from standard input (all checked before any is applied, sent in batches)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s S -l save -d 'ipvsadm: print the table as commands that -R reads back'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s m -l masquerading -d 'ipvsadm: forward by NAT'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s i -l ipip -d 'ipvsadm: forward by tunnelling (see --tun-type)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s g -l gatewaying -d 'ipvsadm: forward by direct routing (the default)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s n -l numeric -d 'ipvsadm: print addresses and ports as numbers'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s c -l connection -d 'ipvsadm: list the connection table'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l timeout -d 'ipvsadm: list the TCP, TCP-FIN and UDP timeouts'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l daemon -d 'ipvsadm: list the sync daemons'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l stats -d 'ipvsadm: list with traffic counters'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l rate -d 'ipvsadm: list with traffic rates'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l thresholds -d 'ipvsadm: list with the connection thresholds'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l persistent-conn -d 'ipvsadm: list with the persistence templates of each real server'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l nosort -d 'ipvsadm: list in the kernel\'s order'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l sort -d 'ipvsadm: list sorted (the default, so it changes nothing)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s X -l exact -d 'ipvsadm: print counters and rates in full instead of with K, M, G, T'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s 6 -l ipv6 -d 'ipvsadm: the firewall-mark service is IPv6 (after -f)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s o -l ops -d 'ipvsadm: schedule every packet on its own (one-packet scheduling, UDP only)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l tun-info -d 'ipvsadm: list with each real server\'s tunnel settings'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l tun-nocsum -d 'ipvsadm: tunnel packets without a checksum (the default)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l tun-csum -d 'ipvsadm: tunnel packets with a checksum'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -l tun-remcsum -d 'ipvsadm: tunnel packets with remote checksum offload'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -s V -l version -d 'Print version'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "list" -d 'List virtual services and their real servers'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "stats" -d 'Traffic counters of services and real servers (64-bit, exact)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "rate" -d 'Traffic rates of services and real servers (per second)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "conns" -d 'The connection table'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "timeouts" -d 'Connection timeouts (TCP, TCP after FIN, UDP)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "daemons" -d 'Connection synchronisation daemons'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "apply" -d 'Make the IPVS table equal a desired-state file: minimal diff, pushed in batches, all or nothing'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "diff" -d 'Show what `apply` would change (exit 3 if anything, 0 if nothing)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "save" -d 'Write the live IPVS state as a file `apply` reads back'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "rs" -d 'Real-server side of LVS-DR and LVS-TUN: hide the VIP from ARP'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "vip" -d 'Director side: add or remove a VIP and announce it (gratuitous ARP)'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "arp" -d 'Raw ARP and neighbour discovery: announce an address, or probe who answers for it'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "daemon" -d 'Health-checking daemon: keep the services of a file in the IPVS table, overlaid with the health of their real servers'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "import" -d 'Convert piranha\'s lvs.cf, keepalived.conf or ldirectord.cf into a daemon file, reporting what does not carry over'
complete -c lvsctl -n "__fish_lvsctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand list" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand list" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand stats" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand stats" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rate" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rate" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand conns" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand conns" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand conns" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand timeouts" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand timeouts" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand timeouts" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemons" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemons" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemons" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand apply" -s o -l output -d 'Output format' -r -f -a "text\t'One ipvsadm rule per change behind +, ~ or -'
json\t'JSON: `changes` with action, rule and line; `warnings`'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand apply" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand apply" -l dry-run -d 'Print the changes and make none'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand apply" -l prune -d 'Delete services the file does not list, and stop sync daemons a TOML file does not list (the default)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand apply" -l no-prune -d 'Keep services (and sync daemons) the file does not list'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand diff" -s o -l output -d 'Output format' -r -f -a "text\t'One ipvsadm rule per change behind +, ~ or -'
json\t'JSON: `changes` with action, rule and line; `warnings`'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand diff" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand diff" -l prune -d 'Delete services the file does not list, and stop sync daemons a TOML file does not list (the default)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand diff" -l no-prune -d 'Keep services (and sync daemons) the file does not list'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand save" -s o -l output -d 'Format: ipvsadm rules (services only, with thresholds), TOML (the whole state) or JSON (lvsctl\'s schema)' -r -f -a "rules\t'ipvsadm rules with thresholds'
toml\t'lvsctl\'s TOML (the whole state)'
json\t'lvsctl\'s JSON schema'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand save" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand save" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and not __fish_seen_subcommand_from up down status help" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and not __fish_seen_subcommand_from up down status help" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and not __fish_seen_subcommand_from up down status help" -f -a "up" -d 'Set up this host as a real server: ARP sysctls first, then the VIPs as host addresses (idempotent)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and not __fish_seen_subcommand_from up down status help" -f -a "down" -d 'Undo what `rs up` did: remove its VIPs (or only these), and when the last one goes restore every sysctl and device'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and not __fish_seen_subcommand_from up down status help" -f -a "status" -d 'Whether this host would answer ARP for its VIPs, and why (exit 0 when the cure is complete, 3 when not, 4 when there is no VIP)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and not __fish_seen_subcommand_from up down status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from up" -l vip -d 'A VIP (repeatable): an IPv4 or IPv6 host address' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from up" -l config -d 'Take the VIPs, mode, device and tunnel settings from FILE (/etc/lvsctl/realserver.toml; keys mode, device, vips, tun_type, tun_port) instead of the options' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from up" -l mode -d 'Forwarding method of the director' -r -f -a "dr\t'Direct routing: VIP on lo (or a dummy device)'
tun\t'Tunnelling: VIP on the tunnel device'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from up" -l dev -d 'Device for the VIPs: lo (DR default), or a dummy device created when missing; for TUN the tunnel device' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from up" -l tun-type -d 'Tunnel type for --mode tun' -r -f -a "ipip\t'IP in IP (tunl0)'
gue\t'Generic UDP encapsulation (a fou port, then tunl0)'
gre\t'GRE (gre0)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from up" -l tun-port -d 'UDP port for --tun-type gue' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from up" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from down" -l vip -d 'A VIP to remove (repeatable; default: all)' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from down" -l config -d 'Remove the VIPs FILE lists (the file `rs up --config` read)' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from down" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from status" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from help" -f -a "up" -d 'Set up this host as a real server: ARP sysctls first, then the VIPs as host addresses (idempotent)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from help" -f -a "down" -d 'Undo what `rs up` did: remove its VIPs (or only these), and when the last one goes restore every sysctl and device'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from help" -f -a "status" -d 'Whether this host would answer ARP for its VIPs, and why (exit 0 when the cure is complete, 3 when not, 4 when there is no VIP)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand rs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and not __fish_seen_subcommand_from add del help" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and not __fish_seen_subcommand_from add del help" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and not __fish_seen_subcommand_from add del help" -f -a "add" -d 'Add ADDR/PREFIX to a device (idempotent), then announce it with gratuitous ARP; waits for the whole burst'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and not __fish_seen_subcommand_from add del help" -f -a "del" -d 'Remove ADDR/PREFIX from a device (nothing to do if it is absent)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and not __fish_seen_subcommand_from add del help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from add" -l dev -d 'The device facing the clients' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from add" -l garp-count -d 'How many gratuitous ARPs to send' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from add" -l garp-interval -d 'Time between them (e.g. 1s, 500ms)' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from add" -l garp-form -d 'Request or reply form' -r -f -a "request\t'ARP request (opcode 1), sender IP = target IP = the VIP'
reply\t'ARP reply (opcode 2) with target MAC = sender MAC, as `arping -A`'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from add" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from del" -l dev -d 'The device' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from del" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from del" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add ADDR/PREFIX to a device (idempotent), then announce it with gratuitous ARP; waits for the whole burst'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from help" -f -a "del" -d 'Remove ADDR/PREFIX from a device (nothing to do if it is absent)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand vip; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and not __fish_seen_subcommand_from announce probe help" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and not __fish_seen_subcommand_from announce probe help" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and not __fish_seen_subcommand_from announce probe help" -f -a "announce" -d 'Send gratuitous ARPs for an address; waits for the whole burst'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and not __fish_seen_subcommand_from announce probe help" -f -a "probe" -d 'Broadcast ARP requests for an address over the whole timeout and list every MAC that answers (exit 0: one host, 3: several, 4: none)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and not __fish_seen_subcommand_from announce probe help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from announce" -l dev -d 'The device to send on' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from announce" -l count -d 'How many' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from announce" -l interval -d 'Time between them' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from announce" -l form -d 'Request or reply form' -r -f -a "request\t'ARP request (opcode 1), sender IP = target IP = the VIP'
reply\t'ARP reply (opcode 2) with target MAC = sender MAC, as `arping -A`'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from announce" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from announce" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from probe" -l dev -d 'The device (default: the one whose subnet holds ADDR)' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from probe" -l timeout -d 'How long to listen' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from probe" -l interval -d 'Time between broadcast requests' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from probe" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from probe" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from help" -f -a "announce" -d 'Send gratuitous ARPs for an address; waits for the whole burst'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from help" -f -a "probe" -d 'Broadcast ARP requests for an address over the whole timeout and list every MAC that answers (exit 0: one host, 3: several, 4: none)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand arp; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -s c -l config -d 'The daemon\'s file (apply\'s TOML with [daemon] and checks)' -r -F
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -l log-format -d 'Log lines as text (journald-friendly) or as JSON objects' -r -f -a "text\t'One line per event: `LEVEL what happened key=value ...`'
json\t'One JSON object per line'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "check" -d 'Validate a daemon file without running it (exit 0 valid, 2 invalid)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "status" -d 'Every service and real server of the running daemon: weights, health, last result, quorum (exit 0 all up, 3 something down, 4 no daemon answers)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "reload" -d 'Read the daemon\'s file again; an invalid file keeps the old one and exits 2 with FILE:LINE'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "drain" -d 'Set a real server\'s weight to 0 and keep it there (across restarts) until `undrain`'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "undrain" -d 'Give a drained real server its weight back'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "disable" -d 'Take a real server out of the table (across restarts) until `enable`; its checks go on, so the status still shows its health'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "enable" -d 'Put a disabled real server back in the table'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "vrrp" -d 'VRRP instances of the running daemon: give up or take back mastership for a planned failover'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "probe" -d 'Run one check once against a server and print what it found (exit 0 up, 3 down, 2 invalid check)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and not __fish_seen_subcommand_from check status reload drain undrain disable enable vrrp probe help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from check" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "text\t'Aligned plain text'
table\t'A table with borders'
json\t'JSON (one schema for every read command)'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from status" -l socket -d 'The daemon\'s control socket (default: the one registered for this network namespace under /run/lvsctl)' -r -F
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from status" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from reload" -l socket -d 'The daemon\'s control socket (default: the one registered for this network namespace under /run/lvsctl)' -r -F
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from reload" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from reload" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from drain" -l socket -d 'The daemon\'s control socket (default: the one registered for this network namespace under /run/lvsctl)' -r -F
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from drain" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from drain" -l wait -d 'Return when the server has no active connection left'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from drain" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from undrain" -l socket -d 'The daemon\'s control socket (default: the one registered for this network namespace under /run/lvsctl)' -r -F
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from undrain" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from undrain" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from disable" -l socket -d 'The daemon\'s control socket (default: the one registered for this network namespace under /run/lvsctl)' -r -F
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from disable" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from enable" -l socket -d 'The daemon\'s control socket (default: the one registered for this network namespace under /run/lvsctl)' -r -F
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from enable" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from vrrp" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from vrrp" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from vrrp" -f -a "release" -d 'Advertise priority 0 and stay Backup (the other director takes over after its skew) until `vrrp resume`; not kept across restarts (exit 0 done, 2 no such instance, 4 no daemon answers)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from vrrp" -f -a "resume" -d 'Undo `vrrp release`: the instance takes part again with its priority (and preempts if it may)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from vrrp" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from probe" -l check -d 'The check as an inline TOML table, as in the file: \'{ type = "http", path = "/health" }\'' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from probe" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from probe" -s h -l help -d 'Print help'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate a daemon file without running it (exit 0 valid, 2 invalid)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "status" -d 'Every service and real server of the running daemon: weights, health, last result, quorum (exit 0 all up, 3 something down, 4 no daemon answers)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "reload" -d 'Read the daemon\'s file again; an invalid file keeps the old one and exits 2 with FILE:LINE'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "drain" -d 'Set a real server\'s weight to 0 and keep it there (across restarts) until `undrain`'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "undrain" -d 'Give a drained real server its weight back'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Take a real server out of the table (across restarts) until `enable`; its checks go on, so the status still shows its health'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Put a disabled real server back in the table'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "vrrp" -d 'VRRP instances of the running daemon: give up or take back mastership for a planned failover'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "probe" -d 'Run one check once against a server and print what it found (exit 0 up, 3 down, 2 invalid check)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand daemon; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand import" -s o -l out -d 'Write the daemon file here (replacing it whole) instead of to standard output' -r -F
complete -c lvsctl -n "__fish_lvsctl_using_subcommand import" -l node -d 'The director the file is for: one lvs.cf serves both, naming the primary\'s and the backup\'s addresses' -r -f -a "primary\t'The director lvs.cf names as `primary`'
backup\t'The director lvs.cf names as `backup`'"
complete -c lvsctl -n "__fish_lvsctl_using_subcommand import" -l netns -d 'Work in another network namespace (its IPVS table, connections, addresses and sysctls): a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Also accepted before ipvsadm\'s grammar' -r
complete -c lvsctl -n "__fish_lvsctl_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "list" -d 'List virtual services and their real servers'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "stats" -d 'Traffic counters of services and real servers (64-bit, exact)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "rate" -d 'Traffic rates of services and real servers (per second)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "conns" -d 'The connection table'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "timeouts" -d 'Connection timeouts (TCP, TCP after FIN, UDP)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "daemons" -d 'Connection synchronisation daemons'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "apply" -d 'Make the IPVS table equal a desired-state file: minimal diff, pushed in batches, all or nothing'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "diff" -d 'Show what `apply` would change (exit 3 if anything, 0 if nothing)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "save" -d 'Write the live IPVS state as a file `apply` reads back'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "rs" -d 'Real-server side of LVS-DR and LVS-TUN: hide the VIP from ARP'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "vip" -d 'Director side: add or remove a VIP and announce it (gratuitous ARP)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "arp" -d 'Raw ARP and neighbour discovery: announce an address, or probe who answers for it'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "daemon" -d 'Health-checking daemon: keep the services of a file in the IPVS table, overlaid with the health of their real servers'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "import" -d 'Convert piranha\'s lvs.cf, keepalived.conf or ldirectord.cf into a daemon file, reporting what does not carry over'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and not __fish_seen_subcommand_from list stats rate conns timeouts daemons apply diff save rs vip arp daemon import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from rs" -f -a "up" -d 'Set up this host as a real server: ARP sysctls first, then the VIPs as host addresses (idempotent)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from rs" -f -a "down" -d 'Undo what `rs up` did: remove its VIPs (or only these), and when the last one goes restore every sysctl and device'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from rs" -f -a "status" -d 'Whether this host would answer ARP for its VIPs, and why (exit 0 when the cure is complete, 3 when not, 4 when there is no VIP)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from vip" -f -a "add" -d 'Add ADDR/PREFIX to a device (idempotent), then announce it with gratuitous ARP; waits for the whole burst'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from vip" -f -a "del" -d 'Remove ADDR/PREFIX from a device (nothing to do if it is absent)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from arp" -f -a "announce" -d 'Send gratuitous ARPs for an address; waits for the whole burst'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from arp" -f -a "probe" -d 'Broadcast ARP requests for an address over the whole timeout and list every MAC that answers (exit 0: one host, 3: several, 4: none)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "check" -d 'Validate a daemon file without running it (exit 0 valid, 2 invalid)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "status" -d 'Every service and real server of the running daemon: weights, health, last result, quorum (exit 0 all up, 3 something down, 4 no daemon answers)'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "reload" -d 'Read the daemon\'s file again; an invalid file keeps the old one and exits 2 with FILE:LINE'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "drain" -d 'Set a real server\'s weight to 0 and keep it there (across restarts) until `undrain`'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "undrain" -d 'Give a drained real server its weight back'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "disable" -d 'Take a real server out of the table (across restarts) until `enable`; its checks go on, so the status still shows its health'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "enable" -d 'Put a disabled real server back in the table'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "vrrp" -d 'VRRP instances of the running daemon: give up or take back mastership for a planned failover'
complete -c lvsctl -n "__fish_lvsctl_using_subcommand help; and __fish_seen_subcommand_from daemon" -f -a "probe" -d 'Run one check once against a server and print what it found (exit 0 up, 3 down, 2 invalid check)'
