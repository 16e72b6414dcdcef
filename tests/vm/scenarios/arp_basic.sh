#!/bin/bash
# lvsctl arp probe / arp announce / vip add / vip del on one bridge: the
# ARP problem seen by probe (several MACs) and cured (one), gratuitous ARP
# bytes on the wire in both forms, exit codes and errors.
. "$REPO/tests/vm/lib.sh"

L=$LVSCTL
W=$(mktemp -d)
cd "$W" || exit 1
VIP=192.0.2.100

ip link add br0 type bridge && ip link set br0 up
for n in client dir rs1 rs2; do
    ip netns add $n && ip -n $n link set lo up
    ip link add v-$n type veth peer name e0 netns $n
    ip link set v-$n master br0 up && ip -n $n link set e0 up
done
ip -n client addr add 192.0.2.1/24 dev e0
ip -n dir addr add 192.0.2.2/24 dev e0
ip -n rs1 addr add 192.0.2.3/24 dev e0
ip -n rs2 addr add 192.0.2.4/24 dev e0
mac() { ip -n "$1" -br link show e0 | awk '{print $3}'; }
DIR_MAC=$(mac dir)
sleep 1   # let the bridge ports settle

# The ARP problem: the VIP on the director's e0 and on the real servers' lo.
ip -n dir addr add $VIP/32 dev e0
ip -n rs1 addr add $VIP/32 dev lo
ip -n rs2 addr add $VIP/32 dev lo
capture before ip netns exec client "$L" arp probe $VIP --output json
check_output arp.probe.problem.status 3 cat before.rc
check_output arp.probe.problem.macs "$(printf '%s\n' "$DIR_MAC" "$(mac rs1)" "$(mac rs2)" | sort | tr '\n' ' ')" \
    python3 -c "import json;print(' '.join(sorted(a['mac'] for a in json.load(open('before.out'))['probe']['answers'])) + ' ')"
# Repeated broadcasts over the whole timeout: every answerer replied many times.
check_output arp.probe.repeated "True" python3 -c "import json;print(all(a['replies']>=5 for a in json.load(open('before.out'))['probe']['answers']))"

# Cured real servers: only the director answers.
ip netns exec rs1 "$L" rs up --vip $VIP > /dev/null
ip netns exec rs2 "$L" rs up --vip $VIP > /dev/null
capture after ip netns exec client "$L" arp probe $VIP
check_output arp.probe.cured.status 0 cat after.rc
check_contains arp.probe.cured.director "$DIR_MAC" cat after.out
check_output arp.probe.cured.one-line 2 bash -c "wc -l < after.out"

# Nobody, and the local case.
capture none ip netns exec client "$L" arp probe 192.0.2.77 --timeout 1s
check_output arp.probe.none.status 4 cat none.rc
check_contains arp.probe.none.says "nobody answered" cat none.out
capture local ip netns exec dir "$L" arp probe $VIP --timeout 1s
check_output arp.probe.local.status 0 cat local.rc
check_contains arp.probe.local.says "is an address of this host" cat local.out

# Gratuitous ARP on the wire, request and reply form.
garp() { # FORM PCAP
    ip netns exec client tcpdump -n -i e0 -w "$2" -c 3 arp 2>/dev/null &
    local pid=$!
    sleep 1.5
    ip netns exec dir "$L" arp announce $VIP --dev e0 --count 3 --interval 100ms --form "$1" > /dev/null
    wait $pid
}
cat > frames.py <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
off, out = 24, []
while off + 16 <= len(data):
    incl = struct.unpack('<I', data[off+8:off+12])[0]
    f = data[off+16:off+16+incl]; off += 16 + incl
    dst, src, et = f[0:6].hex(':'), f[6:12].hex(':'), f[12:14].hex()
    a = f[14:42]
    op = struct.unpack('>H', a[6:8])[0]
    sha, spa, tha, tpa = a[8:14].hex(':'), '.'.join(map(str, a[14:18])), a[18:24].hex(':'), '.'.join(map(str, a[24:28]))
    out.append(f"{dst} {src} {et} op={op} sha={sha} spa={spa} tha={tha} tpa={tpa}")
print('\n'.join(out))
PY
garp request req.pcap
want_req=$(printf 'ff:ff:ff:ff:ff:ff %s 0806 op=1 sha=%s spa=%s tha=00:00:00:00:00:00 tpa=%s\n' "$DIR_MAC" "$DIR_MAC" $VIP $VIP)
check_output arp.garp.request-form "$want_req
$want_req
$want_req" python3 frames.py req.pcap
garp reply rep.pcap
want_rep=$(printf 'ff:ff:ff:ff:ff:ff %s 0806 op=2 sha=%s spa=%s tha=%s tpa=%s\n' "$DIR_MAC" "$DIR_MAC" $VIP "$DIR_MAC" $VIP)
check_output arp.garp.reply-form "$want_rep
$want_rep
$want_rep" python3 frames.py rep.pcap

# vip add / del: idempotent, announced.
ip netns exec client tcpdump -n -i e0 -w vip.pcap -c 2 arp 2>/dev/null &
pid=$!
sleep 1.5
check arp.vip.add ip netns exec dir "$L" vip add 192.0.2.101/32 --dev e0 --garp-count 2 --garp-interval 100ms
wait $pid
check_contains arp.vip.add.announced "op=1 sha=$DIR_MAC spa=192.0.2.101" python3 frames.py vip.pcap
check_contains arp.vip.add.on-device "192.0.2.101/32" ip -n dir -o addr show dev e0
check_contains arp.vip.add.again "already on e0" ip netns exec dir "$L" vip add 192.0.2.101/32 --dev e0 --garp-count 1
check arp.vip.del ip netns exec dir "$L" vip del 192.0.2.101/32 --dev e0
check_status arp.vip.del.gone 1 bash -c "ip -n dir -o addr show dev e0 | grep -q 192.0.2.101"
check_contains arp.vip.del.again "nothing to do" ip netns exec dir "$L" vip del 192.0.2.101/32 --dev e0

# Errors.
check_status arp.error.wrong-subnet 2 ip netns exec dir "$L" vip add 203.0.113.5/32 --dev e0 --garp-count 1
check_status arp.error.no-interface 2 ip netns exec dir "$L" arp announce $VIP --dev nosuch
check_status arp.error.bad-address 2 ip netns exec dir "$L" arp probe 192.0.2.300
check_status arp.error.ipv6-not-yet 2 ip netns exec dir "$L" arp probe 2001:db8::1
check_status arp.error.no-privilege 1 ip netns exec client setpriv --reuid=65534 --regid=65534 --clear-groups \
    --inh-caps=-all --bounding-set=-all "$L" arp probe $VIP --dev e0 --timeout 1s
ip -n dir link set e0 down
check_status arp.error.interface-down 1 ip netns exec dir "$L" arp announce $VIP --dev e0

summary
