# tests/vm/arp.sh — who answers ARP for an address, seen on a wire (for VM
# scenarios such as tests/vm/scenarios/rs_arp.sh).
#
# Sourced after tests/vm/lib.sh and tests/vm/topology.sh:
#     . "$REPO/tests/vm/lib.sh"
#     . "$REPO/tests/vm/topology.sh"
#     . "$REPO/tests/vm/arp.sh"
#
# API:
#   arp_probe NS IF ADDR        broadcast ARP requests for ADDR from NS's IF,
#                               repeated over a fixed window; never stops at
#                               the first reply. Prints arping's output;
#                               returns arping's status (0: some reply)
#   arp_sent FILE               how many requests arp_probe's output FILE
#                               says it sent
#   arp_macs FILE               the distinct replying MACs in arp_probe's
#                               output FILE, normalised, sorted, one a line
#   ns_mac NS IF                the MAC of IF in NS (normalised)
#   arp_watch_start NS IF       tcpdump -e of every ARP frame on NS's IF, in
#                               the background (topo_bg name "arpwatch"),
#                               returns once it is capturing
#   arp_watch_mark              the capture's current end (an offset)
#   arp_watch_since MARK        the capture's lines after MARK
#   arp_capture_requests FILE ADDR  "TOTAL BROADCAST" requests for ADDR in
#                               the capture lines FILE
#   arp_capture_macs FILE ADDR  the distinct MACs in replies for ADDR
#                               ("ADDR is-at MAC") in FILE, normalised
# A normalised MAC is lowercase with two hex digits per octet.
#
# Two arpings exist and differ in their options. Debian's package "arping"
# (tests/vm/setup installs it) is Thomas Habets' ARPing 2.x: it always sends
# to ff:ff:ff:ff:ff:ff for an IP target and keeps sending every -W seconds
# whatever it receives; "-b" there would mean source address
# 255.255.255.255, so it is not used. iputils' arping (iputils-arping)
# switches to unicast after the first reply unless given -b, and with -w
# DEADLINE its -c counts replies, so a large -c keeps it broadcasting until
# the deadline. The flavour is told by "arping -V" (only iputils' prints
# "iputils"). The iputils branch follows its manual page; the machines this
# was written on have Habets' arping, which is the one exercised.

if [ -z "${_LVS_ARP_LOADED:-}" ]; then
_LVS_ARP_LOADED=1

if arping -V 2>&1 | grep -qi iputils; then ARP_FLAVOUR=iputils; else ARP_FLAVOUR=habets; fi
# Habets: ARP_COUNT requests ARP_INTERVAL s apart; the process ends one
# interval after the last one (so the last replies are in), or at
# ARP_DEADLINE s at the latest.
ARP_COUNT=${ARP_COUNT:-5}
ARP_INTERVAL=${ARP_INTERVAL:-0.3}
ARP_DEADLINE=${ARP_DEADLINE:-5}

arp_probe() {
    local ns=$1 ifname=$2 addr=$3
    if [ "$ARP_FLAVOUR" = iputils ]; then
        # One request a second, broadcast (-b), until the deadline (integral
        # seconds in older versions); -c 1000 replies are never reached.
        ip netns exec "$ns" arping -b -c 1000 -w 4 -I "$ifname" "$addr"
    else
        ip netns exec "$ns" arping -i "$ifname" -c "$ARP_COUNT" -W "$ARP_INTERVAL" -w "$ARP_DEADLINE" "$addr"
    fi
}

arp_sent() {
    # Habets: "5 packets transmitted, ..."; iputils: "Sent 3 probes (3 broadcast(s))".
    sed -nE 's/^([0-9]+) packets transmitted.*/\1/p; s/^Sent ([0-9]+) probes.*/\1/p' "$1" | head -n 1
}

# _arp_norm: MACs on stdin (any case, octets of one or two digits) to
# normalised ones, distinct and sorted
_arp_norm() {
    awk -F: '{ m = ""; for (i = 1; i <= NF; i++) { o = tolower($i); if (length(o) == 1) o = "0" o; m = m (i > 1 ? ":" : "") o } print m }' | sort -u
}
_ARP_MAC_RE='([0-9A-Fa-f]{1,2}:){5}[0-9A-Fa-f]{1,2}'

arp_macs() {
    # Habets: "42 bytes from MAC (ADDR): index=0 time=..."; iputils:
    # "Unicast reply from ADDR [MAC]  0.6ms". Only reply lines say " from ".
    grep ' from ' "$1" | grep -oE "$_ARP_MAC_RE" | _arp_norm
}

ns_mac() { ip -n "$1" -br link show dev "$2" | awk '{ print $3 }' | _arp_norm; }

arp_watch_start() {
    topo_bg arpwatch "$1" tcpdump -l -n -e -i "$2" arp
    wait_until 20 grep -q 'listening on' "$TOPO_DIR/arpwatch.log"
}
arp_watch_mark() { stat -c %s "$TOPO_DIR/arpwatch.log"; }
arp_watch_since() { tail -c "+$(($1 + 1))" "$TOPO_DIR/arpwatch.log"; }

# tcpdump -e -n line of a request:
#   HH:MM:SS.us SRC > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 58: Request who-has ADDR tell ..., length 44
# of a reply:
#   HH:MM:SS.us SRC > DST, ethertype ARP (0x0806), length 42: Reply ADDR is-at MAC, length 28
arp_capture_requests() {
    awk -v a="$2" '
        index($0, "Request who-has " a " ") { t++; if ($4 == "ff:ff:ff:ff:ff:ff,") b++ }
        END { print t + 0, b + 0 }' "$1"
}
arp_capture_macs() {
    grep -F "Reply $2 is-at " "$1" | sed -E 's/.* is-at ([0-9A-Fa-f:]+),.*/\1/' | _arp_norm
}

fi
