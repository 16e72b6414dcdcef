# Smoke test of the VM harness itself (the `smoke` test of tests/vm.rs):
# the kernel has IPVS, module loading (explicit and automatic) works,
# network namespaces work, and the lvsctl under test runs.
. "$REPO/tests/vm/lib.sh"

note "kernel $(uname -r), lvsctl $LVSCTL"
check kernel_is_vm_kernel test "$(uname -r)" = "$KVER"

# Debian's real ipvsadm: autoloads ip_vs through the kernel's modprobe helper.
check ipvsadm_add_service ipvsadm -A -t 10.1.1.1:80 -s rr
check_contains ipvsadm_lists_service "TCP  10.1.1.1:80 rr" ipvsadm -Ln
check ip_vs_loaded test -d /sys/module/ip_vs
check ipvsadm_clear ipvsadm -C

# Explicit module loading from the unpacked kernel tree.
check modprobe_ip_vs_mh modprobe -d "$KROOT" ip_vs_mh
check ip_vs_mh_loaded test -d /sys/module/ip_vs_mh
check kmod_helper kmod ip_vs_wrr

# Kernel autoloading for a netdevice type.
check dummy_autoload ip link add d0 type dummy
check dummy_up ip link set d0 up

# Network namespaces.
check netns_add ip netns add x
check netns_lo_up ip netns exec x ip link set lo up
check_contains netns_lo_is_up "UP" ip netns exec x ip -o link show lo
check veth_into_netns ip link add v0 type veth peer name v1 netns x
check_contains loopback_up_in_root_netns "lo:" ip -o link show lo up

# Writable scratch space and /dev/shm.
check tmp_writable touch /tmp/x /var/tmp/x /run/x /dev/shm/x
check out_writable touch "$OUT/smoke-was-here"

# The binary under test runs in the VM (it may still print nothing).
check lvsctl_runs "$LVSCTL" --version
check ipvsadm_symlink test "$(readlink "$IPVSADM_LVS")" = "$LVSCTL" -a "$(basename "$IPVSADM_LVS")" = ipvsadm

summary
