#!/bin/bash
# lvsctl -R (as ipvsadm): whole-input validation, comments, batching of
# large inputs, kernel refusals in the middle of a batch rolled back.
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

# Kernel refusals in the middle: the refused line is reported with its
# number and ipvsadm's message, no further batch is sent, and the whole run
# is undone: the table (destination order and timeouts included) is as it
# was. ipvsadm, for comparison, keeps the other lines' changes.
$REAL -A -t 192.0.2.50:80 -s rr
for d in 3 1 2; do $REAL -a -t 192.0.2.50:80 -r 198.51.100.$d:80 -m -w $d; done
$REAL --set 700 70 77
snap() { { "$REAL" -Sn; "$REAL" -Ln --nosort; "$REAL" -L --timeout; } > "$1"; }
snap kernel.before
printf -- '-d -t 192.0.2.50:80 -r 198.51.100.1:80
-e -t 192.0.2.50:80 -r 198.51.100.2:80 -m -w 9
--set 100 10 10
-A -t 192.0.2.1:80
-A -t 192.0.2.1:80
-a -t 192.0.2.9:80 -r 198.51.100.1:80
-A -t 192.0.2.2:80
' > kernel.rules
capture kernel "$LVS" -R < kernel.rules
check_output restore.kernel.message "lvsctl: line 5: Service already exists
lvsctl: nothing was changed (rolled back)" cat kernel.err
check_output restore.kernel.status 255 cat kernel.rc
snap kernel.after
check_same restore.kernel.table-unchanged kernel.before kernel.after
capture kernel.real "$REAL" -R < kernel.rules
check_output restore.kernel.ipvsadm-keeps-the-rest "-A -t 192.0.2.1:80 -s wlc
-A -t 192.0.2.2:80 -s wlc
-A -t 192.0.2.50:80 -s rr
-a -t 192.0.2.50:80 -r 198.51.100.2:80 -m -w 9
-a -t 192.0.2.50:80 -r 198.51.100.3:80 -m -w 3" "$REAL" -Sn
$REAL -C
$REAL --set 900 120 300

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

# Restoring onto a table that already holds half of it: the first
# duplicate is refused, and everything is undone, also when the refusal
# comes after several full sends.
$REAL -C
for i in $(seq 0 1499); do echo "-A -t 10.$((i / 250)).$((i % 250 + 1)).1:80"; done > half.rules
for i in $(seq 1500 4499); do echo "-A -t 10.$((i / 250)).$((i % 250 + 1)).1:80"; done > new.rules
"$REAL" -R < half.rules
"$REAL" -Sn > overlap.before
{ cat new.rules; head -n 1 half.rules; } > late.rules
capture late "$LVS" -R < late.rules
check_output restore.late-refusal.status 255 cat late.rc
check_output restore.late-refusal.message "lvsctl: line 3001: Service already exists
lvsctl: nothing was changed (rolled back)" cat late.err
"$REAL" -Sn > late.after
check_same restore.late-refusal.table-unchanged overlap.before late.after
cat half.rules new.rules > full.rules
capture overlap "$LVS" -R < full.rules
check_output restore.overlap.status 255 cat overlap.rc
check_output restore.overlap.first-refusal-reported "lvsctl: line 1: Service already exists
lvsctl: nothing was changed (rolled back)" cat overlap.err
"$REAL" -Sn > overlap.after
check_same restore.overlap.table-unchanged overlap.before overlap.after

summary
