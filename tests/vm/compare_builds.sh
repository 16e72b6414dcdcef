#!/bin/bash
# tests/vm/compare_builds.sh — compare two lvsctl builds on one large table
# (not a test: it lives outside tests/vm/scenarios/, so cargo test does not
# run it). For a change that must keep every listing byte for byte while
# changing how it is made, run inside the test VM:
#
#   LVSCTL=target/release/lvsctl tests/vm/run tests/vm/compare_builds.sh \
#       --timeout 1200 --mem 2048 --env OLDBIN=/path/to/old/lvsctl
#
# It loads S services x D real servers (default 20000 x 5, plus a tunnel
# firewall-mark service) with the new build, then runs each listing and
# save with Debian's ipvsadm (where it has the command), the old build and
# the new one, and writes "peak-KiB md5 bytes binary args" lines to
# $OUT/cmp.txt: equal md5s mean equal output.
set -u
S=${S:-20000} D=${D:-5}
OLD=${OLDBIN:?OLDBIN is not set} NEW=${LVSCTL:?}
ip netns add m1; ip netns exec m1 ip link set lo up
for ((s=0; s<S; s++)); do
  a=$((s / 250)); b=$((s % 250 + 1))
  echo "-A -t 10.$((a/250)).$((a%250)).$b:80 -s wrr"
  for ((d=1; d<=D; d++)); do echo "-a -t 10.$((a/250)).$((a%250)).$b:80 -r 192.168.$((d)).$b:80 -m -w $d"; done
done > rules
echo "-A -f 7 -s sh -b sh-port -p 60" >> rules
echo "-a -f 7 -r 192.0.2.77:0 -i -x 10 -y 5" >> rules
ip netns exec m1 $NEW apply rules > /dev/null || echo "apply failed"
{
for args in "-Ln" "-Sn" "-Ln --stats" "-Ln --thresholds" "-Ln --tun-info" "-Ln --nosort" "list -o json" "list" "list --output table" "save" "save --output rules" "save --output json" "stats" "-Ln -t 10.0.0.5:80"; do
  for bin in /usr/sbin/ipvsadm $OLD $NEW; do
    case "$args" in -*) ;; *) [ "$bin" = /usr/sbin/ipvsadm ] && continue ;; esac
    ip netns exec m1 /usr/bin/time -f "%M" -o rss.txt $bin $args > out.txt 2> err.txt
    echo "$(tail -1 rss.txt) KiB  $(md5sum < out.txt | cut -c1-12) $(wc -c < out.txt)B  $bin $args"
  done
done
} | tee $OUT/cmp.txt
