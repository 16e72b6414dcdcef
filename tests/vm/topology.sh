# tests/vm/topology.sh — network-namespace topologies for VM scenarios that
# carry real traffic (tests/vm/scenarios/traffic.sh, sync.sh).
#
# Sourced by a scenario after tests/vm/lib.sh:
#     . "$REPO/tests/vm/lib.sh"
#     . "$REPO/tests/vm/topology.sh"
#
# Everything here happens inside the test VM, which has no network device of
# its own (tests/vm/run boots it with -nic none): the "networks" are Linux
# bridges in the VM's root namespace joined by veth pairs to network
# namespaces, one per host of the topology. Use documentation addresses only
# (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32,
# multicast 233.252.0.0/24).
#
# API:
#   topo_ns NAME...                 a network namespace with lo up
#   topo_bridge BR                  a bridge in the VM's root namespace (STP
#                                   and multicast snooping off, so multicast
#                                   floods to every port), up
#   topo_link NS IF BR ADDR...      a veth pair: IF inside NS (up, multicast
#                                   on), the peer enslaved to BR; each ADDR
#                                   (CIDR) added to IF, IPv6 ones "nodad"
#   in NS CMD...                    run CMD in NS (ip netns exec; stdin kept)
#   topo_bg NAME NS CMD...          start CMD in NS in the background, stdout
#                                   and stderr to $TOPO_DIR/NAME.log; its PID
#                                   (the command itself: ip netns exec execs
#                                   it) is recorded under NAME
#   topo_pid NAME                   print the PID recorded under NAME
#   topo_kill NAME                  kill that process (TERM, then KILL after
#                                   2 s) and wait for it; forget it
#   topo_cleanup                    topo_kill every process still recorded
#                                   (set as an EXIT trap by the first topo_bg)
#   topo_sysctl NS KEY=VALUE...     sysctl -w inside NS (quiet)
#
# Processes are killed only by the PIDs recorded here, never by name.

if [ -z "${_LVS_TOPO_LOADED:-}" ]; then
_LVS_TOPO_LOADED=1

TOPO_DIR=${TOPO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/topo.XXXXXX")}
declare -A _topo_pids=()
_topo_nveth=0
_topo_trap=0

topo_ns() {
    local ns
    for ns in "$@"; do
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up || return 1
    done
}

topo_bridge() {
    ip link add "$1" type bridge stp_state 0 mcast_snooping 0 forward_delay 0 || return 1
    ip link set "$1" up
}

topo_link() {
    local ns=$1 ifname=$2 br=$3 peer a
    shift 3
    peer=tv$_topo_nveth
    _topo_nveth=$((_topo_nveth + 1))
    ip link add "$peer" type veth peer name "$ifname" netns "$ns" || return 1
    # The bridge side carries no addresses; keep IPv6 (DAD, RS) off it.
    sysctl -qw "net.ipv6.conf.$peer.disable_ipv6=1" 2>/dev/null
    ip link set "$peer" master "$br" up || return 1
    ip -n "$ns" link set "$ifname" multicast on up || return 1
    for a in "$@"; do
        case $a in
            *:*) ip -n "$ns" -6 addr add "$a" dev "$ifname" nodad || return 1 ;;
            *) ip -n "$ns" addr add "$a" dev "$ifname" || return 1 ;;
        esac
    done
}

in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

topo_sysctl() {
    local ns=$1 kv; shift
    for kv in "$@"; do ip netns exec "$ns" sysctl -qw "$kv" || return 1; done
}

topo_bg() {
    local name=$1 ns=$2; shift 2
    if [ "$_topo_trap" = 0 ]; then trap topo_cleanup EXIT; _topo_trap=1; fi
    ip netns exec "$ns" "$@" < /dev/null > "$TOPO_DIR/$name.log" 2>&1 &
    _topo_pids[$name]=$!
}

topo_pid() { printf '%s\n' "${_topo_pids[$1]:-}"; }

topo_kill() {
    local pid=${_topo_pids[$1]:-} i
    [ -n "$pid" ] || return 0
    unset "_topo_pids[$1]"
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

topo_cleanup() {
    local name
    for name in "${!_topo_pids[@]}"; do topo_kill "$name"; done
}

fi
