#!/bin/bash
# tests/vm/profile.sh — count the instructions lvsctl spends on a bulk load
# and on a listing, under callgrind, inside the test VM (not a test: it
# lives outside tests/vm/scenarios/, so cargo test does not run it; not a
# benchmark either: tests/vm/bench times things, this counts them, which is
# repeatable to a few parts in a thousand where timings under emulation
# vary by ten percent). The README's and CHANGELOG's instruction counts
# come from it:
#
#   LVSCTL=$PWD/target/release/lvsctl tests/vm/run tests/vm/profile.sh \
#       --out /tmp/prof --timeout 1200 --mem 2048 \
#       [--env OLDBIN=/path/to/other/lvsctl] [--env S=2200 --env D=4]
#
# It writes S services x D real servers (default 2,200 x 4: 11,000 entries)
# as an ipvsadm rules file, then for each binary (OLDBIN if given, then
# LVSCTL) in a fresh namespace: `apply --dry-run FILE` (parse, validate,
# diff, plan text), `apply FILE` into the empty table (all of that plus
# encoding and the push), and `ipvsadm -Ln` of the loaded table; Debian's
# ipvsadm -Ln too, for scale. $OUT/profile.txt gets one line per run:
# "instructions  binary  args"; $OUT/*.cg keep the profiles for
# callgrind_annotate. Instructions are user space only: the kernel's side
# of the push is not counted (tests/vm/bench times it as the push floor).
#
# Then one-shot `-a` (a boot script's rule), for Debian's ipvsadm and for
# lvsctl as `ipvsadm`: the system calls each makes (strace -c), and the
# share of lvsctl's that is its writer lock (every call on a file under
# /run/lvsctl, with the time strace measured for it) in $OUT/oneshot.txt.
set -u
S=${S:-2200} D=${D:-4}
command -v valgrind > /dev/null || { echo "valgrind is not installed in the VM" >&2; exit 1; }
for ((s=0; s<S; s++)); do
  echo "-A -t 10.1.$((s / 250)).$((s % 250 + 1)):80 -s wrr"
  for ((d=1; d<=D; d++)); do echo "-a -t 10.1.$((s / 250)).$((s % 250 + 1)):80 -r 192.168.$d.$((s % 250 + 1)):80 -m -w $d"; done
done > "$OUT/rules"

# Ir of a callgrind profile: its "summary:" (or "totals:") line.
ir() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

run() { # NAME NS BINARY ARGS...
  local name=$1 ns=$2 bin=$3; shift 3
  ip netns exec "$ns" valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.cg" \
    "$bin" "$@" > /dev/null 2> "$OUT/$name.err" || { echo "$name failed: $(tail -3 "$OUT/$name.err")" >&2; return 1; }
  printf '%12s  %s  %s\n' "$(ir "$OUT/$name.cg")" "$bin" "$*"
}

n=0
{
for bin in ${OLDBIN:-} "$LVSCTL"; do
  n=$((n + 1)); ns=prof$n
  ip netns add $ns && ip netns exec $ns ip link set lo up
  run "dry$n" $ns "$bin" apply --dry-run "$OUT/rules"
  run "apply$n" $ns "$bin" apply "$OUT/rules"
  run "list$n" $ns "$bin" -Ln
  [ $n = 1 ] && run ipvsadm-list $ns /usr/sbin/ipvsadm -Ln
  ip netns del $ns
done
} | tee "$OUT/profile.txt"

command -v strace > /dev/null || { echo "strace is not installed in the VM" >&2; exit 1; }
ip netns add shot && ip netns exec shot ip link set lo up
ip netns exec shot "$LVSCTL" -A -t 10.9.0.1:80 -s rr
{
n=0
for bin in /usr/sbin/ipvsadm "$IPVSADM_LVS"; do
  n=$((n + 1))
  ip netns exec shot strace -f -c -o "$OUT/shot$n.sc" "$bin" -a -t 10.9.0.1:80 -r 192.168.9.$n:80 -m
  printf '%4s system calls  %s -a\n' "$(awk '/^100.00/ { print $4 }' "$OUT/shot$n.sc")" "$bin"
done
ip netns exec shot strace -f -T -yy -o "$OUT/lock.trace" "$IPVSADM_LVS" -a -t 10.9.0.1:80 -r 192.168.9.9:80 -m
awk '/\/run\/lvsctl/ { n++; if (match($0, /<[0-9.]+>$/)) t += substr($0, RSTART + 1, RLENGTH - 2) }
     /<[0-9.]+>$/ { if (match($0, /<[0-9.]+>$/)) all += substr($0, RSTART + 1, RLENGTH - 2) }
     END { printf "writer lock: %d of its system calls, %.3f ms of %.3f ms spent in system calls (strace -T)\n", n, t * 1000, all * 1000 }' "$OUT/lock.trace"
} | tee "$OUT/oneshot.txt"
ip netns del shot
