#!/bin/bash
# lvsctl -R (as ipvsadm): whole-input validation, comments, batching of
# large inputs, kernel refusals in the middle of a batch.
. "$REPO/tests/vm/lib.sh"

REAL=/usr/sbin/ipvsadm
LVS=$IPVSADM_LVS
W=$(mktemp -d)
cd "$W" || exit 1
ip link add d0 type dummy && ip link set d0 up && ip route add default dev d0

# A bad line anywhere: reported with its line number, nothing applied.
cat > bad.rules <<'R'
-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m
-A -t 192.0.2.300:80
-A -t 192.0.2.2:80
R
$REAL -C
capture bad "$LVS" -R < bad.rules
check_output restore.bad-line.message "lvsctl: line 3: illegal virtual server address[:port] specified" cat bad.err
check_output restore.bad-line.status 2 cat bad.rc
check_output restore.bad-line.nothing-applied "" "$REAL" -Sn
# ipvsadm, for comparison, applies the lines before the bad one.
capture bad.real "$REAL" -R < bad.rules
check_output restore.ipvsadm-applies-partially "-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 1" "$REAL" -Sn
$REAL -C

# A popt-level error in a line: ipvsadm's message and exit code 255.
printf -- '-A -t 192.0.2.1:80\n-A -t\n' > popt.rules
capture popt "$LVS" -R < popt.rules
check_output restore.popt-line.message "lvsctl: line 2: -t: missing argument" cat popt.err
check_output restore.popt-line.status 255 cat popt.rc
check_output restore.popt-line.nothing-applied "" "$REAL" -Sn

# A line that is not a command.
printf -- '-t 192.0.2.1:80 -A\n' > nocmd.rules
capture nocmd "$LVS" -R < nocmd.rules
check_output restore.no-command.status 255 cat nocmd.rc

# Comments, blank lines, CRLF, "ipvsadm" tokens, trailing comments.
printf -- '# saved table\n\n-A -t 192.0.2.1:80 -s rr   # web\r\n  \nipvsadm -a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 3\n-A -u 192.0.2.1:53' > comments.rules
check restore.comments "$LVS" -R < comments.rules
check_output restore.comments.table "-A -t 192.0.2.1:80 -s rr
-a -t 192.0.2.1:80 -r 198.51.100.1:80 -m -w 3
-A -u 192.0.2.1:53 -s wlc" "$REAL" -Sn
$REAL -C

# Kernel refusals in the middle: the other lines are applied (as ipvsadm
# does), each refusal is reported, and the exit code is 255.
printf -- '-A -t 192.0.2.1:80\n-A -t 192.0.2.1:80\n-a -t 192.0.2.9:80 -r 198.51.100.1:80\n-A -t 192.0.2.2:80\n' > kernel.rules
capture kernel "$LVS" -R < kernel.rules
check_output restore.kernel.messages "Service already exists
Service not defined" cat kernel.err
check_output restore.kernel.status 255 cat kernel.rc
check_output restore.kernel.others-applied "-A -t 192.0.2.1:80 -s wlc
-A -t 192.0.2.2:80 -s wlc" "$REAL" -Sn
$REAL -C
capture kernel.real "$REAL" -R < kernel.rules
check_same restore.kernel.same-messages-as-ipvsadm kernel.real.err kernel.err
check_output restore.kernel.same-table-as-ipvsadm "-A -t 192.0.2.1:80 -s wlc
-A -t 192.0.2.2:80 -s wlc" "$REAL" -Sn
$REAL -C

# A large input spans several sends (about 200 KiB each): 1,500 services
# with 3 destinations each, the same table as ipvsadm -R builds.
for i in $(seq 0 1499); do
    a=$((i / 250)) b=$((i % 250 + 1))
    echo "-A -t 10.$a.$b.1:80 -s wrr"
    for d in 1 2 3; do echo "-a -t 10.$a.$b.1:80 -r 198.51.100.$d:8080 -m -w $d"; done
done > big.rules
check restore.big.lvsctl "$LVS" -R < big.rules
"$REAL" -Sn > big.lvs.saved
$REAL -C
check restore.big.ipvsadm "$REAL" -R < big.rules
"$REAL" -Sn > big.real.saved
check_same restore.big.same-table big.real.saved big.lvs.saved
check_output restore.big.count 6000 bash -c "wc -l < big.lvs.saved"

# Restoring onto a table that already holds half of it: every duplicate is
# refused and reported (none lost to a full receive buffer), the rest is
# applied, as ipvsadm would.
$REAL -C
for i in $(seq 0 1499); do echo "-A -t 10.$((i / 250)).$((i % 250 + 1)).1:80"; done > half.rules
for i in $(seq 0 2999); do echo "-A -t 10.$((i / 250)).$((i % 250 + 1)).1:80"; done > full.rules
"$REAL" -R < half.rules
capture overlap "$LVS" -R < full.rules
check_output restore.overlap.status 255 cat overlap.rc
check_output restore.overlap.every-refusal-reported 1500 bash -c "grep -c '^Service already exists$' overlap.err"
check_output restore.overlap.rest-applied 3000 bash -c "\"$REAL\" -Sn | wc -l"

summary
