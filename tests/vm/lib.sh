# tests/vm/lib.sh — check helpers for VM scenarios (tests/vm/scenarios/*.sh).
#
# A scenario runs inside the test VM (see tests/vm/run) and starts with
#     . "$REPO/tests/vm/lib.sh"
# Each check appends one line to $OUT/results (TAP-like, no plan or numbers):
#     ok NAME
#     ok NAME # SKIP reason
#     not ok NAME
# and, for a failure, writes what went wrong to $OUT/details/NAME (plain
# text: the command, its exit status, stdout, stderr, or a unified diff).
# tests/common/mod.rs reads both and prints the details of every failed check.
# Every result is also echoed to the scenario log ($OUT/scenario.log).
#
# NAME: a unique identifier of letters, digits and . _ - : + (it becomes a file
# name). A repeated or malformed name is itself recorded as a failure.
#
# API (each check returns 0 if it passed, 1 if it failed):
#   check NAME CMD...                    ok if CMD exits 0
#   check_status NAME STATUS CMD...      ok if CMD exits with STATUS
#   check_output NAME EXPECTED CMD...    ok if CMD exits 0 and its stdout equals
#                                        EXPECTED (trailing newlines of both
#                                        are ignored, as with "$(...)")
#   check_contains NAME NEEDLE CMD...    ok if CMD exits 0 and stdout contains
#                                        the fixed string NEEDLE
#   check_same NAME FILE_A FILE_B        ok if the files are byte-for-byte equal
#                                        (details: diff -u FILE_A FILE_B)
#   check_compat NAME ARGS...            runs Debian's "ipvsadm ARGS" and then
#                                        lvsctl as "ipvsadm ARGS" (the
#                                        $IPVSADM_LVS symlink, argv[0] "ipvsadm"
#                                        for both);
#                                        ok if stdout and exit status are equal
#                                        (also stderr if LIB_COMPARE_STDERR=1).
#                                        Use it only for commands that do not
#                                        change the table (both run!).
#   pass NAME / fail NAME MESSAGE... / skip NAME REASON
#                                        record a result computed by hand
#   capture PREFIX CMD...                run CMD, writing PREFIX.out, PREFIX.err
#                                        and PREFIX.rc (exit status + newline);
#                                        returns CMD's exit status
#   wait_until SECS CMD...               retry CMD every 0.2 s until it exits
#                                        0 or SECS pass; returns 0 or 1
#   kmod MODULE...                       modprobe -d "$KROOT" MODULE...
#   note TEXT...                         "# TEXT" into the scenario log
#   summary                              print the counts; returns 1 if any
#                                        check failed (use as the last line:
#                                        the scenario's exit status)
#
# lib.sh does not use "set -e": a failed check must not end the scenario, and
# the scenario's exit status is reported separately anyway. Scratch files
# belong in the current directory (a tmpfs inside the VM) or $LIB_TMP;
# anything to keep goes to $OUT.

if [ -z "${_LVS_LIB_LOADED:-}" ]; then
_LVS_LIB_LOADED=1

: "${OUT:?OUT is not set; scenarios run inside the VM via tests/vm/run}"
LIB_RESULTS=$OUT/results
LIB_DETAILS=$OUT/details
LIB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lvslib.XXXXXX")
LIB_MAX_DETAIL=${LIB_MAX_DETAIL:-65536}   # bytes kept per stream in details
mkdir -p "$LIB_DETAILS"
touch "$LIB_RESULTS"
declare -A _lib_seen=()
_lib_npass=0 _lib_nfail=0 _lib_nskip=0

# _lib_record ok|skip|fail NAME [REASON | DETAILS-FILE]
# (no pipelines into it and no subshells: the counters and the set of seen
# names must change in the scenario's own shell; forks are slow under TCG)
_lib_record() {
    local kind=$1 name=$2 reason=${3:-} real='' why='' n
    if [[ ! $name =~ ^[A-Za-z0-9_:+-][A-Za-z0-9._:+-]*$ ]]; then
        real=bad-name.${name//[!A-Za-z0-9._:+-]/_}
        why="invalid check name '$name' (allowed: letters, digits and . _ - : +, not starting with .)"
    elif [ -n "${_lib_seen[$name]:-}" ]; then
        n=2
        while [ -n "${_lib_seen[$name.dup$n]:-}" ]; do n=$((n + 1)); done
        real=$name.dup$n
        why="duplicate check name '$name' (names must be unique in a scenario)"
    fi
    if [ -n "$real" ]; then
        _lib_seen[$real]=1
        {
            echo "$why"
            echo "this check's own result: $kind"
            [ "$kind" = fail ] && cat -- "$reason"
        } > "$LIB_DETAILS/$real"
        echo "not ok $real" >> "$LIB_RESULTS"
        echo "not ok $real"
        _lib_nfail=$((_lib_nfail + 1))
        return 1
    fi
    _lib_seen[$name]=1
    case $kind in
        ok)   echo "ok $name" >> "$LIB_RESULTS"; echo "ok $name"; _lib_npass=$((_lib_npass + 1)) ;;
        skip) echo "ok $name # SKIP $reason" >> "$LIB_RESULTS"; echo "ok $name # SKIP $reason"
              _lib_nskip=$((_lib_nskip + 1)) ;;
        fail) cat -- "$reason" > "$LIB_DETAILS/$name"
              echo "not ok $name" >> "$LIB_RESULTS"; echo "not ok $name"
              sed 's/^/#   /' "$LIB_DETAILS/$name" | head -n 40
              _lib_nfail=$((_lib_nfail + 1)); return 1 ;;
    esac
    return 0
}

_lib_cmdline() { local a q s=; for a in "$@"; do printf -v q '%q' "$a"; s+=" $q"; done; printf '%s' "${s# }"; }

# _lib_stream LABEL FILE: a stream for the details, truncated
_lib_stream() {
    local size
    size=$(stat -c %s "$2" 2>/dev/null || echo 0)
    if [ "$size" -eq 0 ]; then echo "--- $1: (empty)"; return; fi
    echo "--- $1:"
    head -c "$LIB_MAX_DETAIL" "$2"
    [ -z "$(tail -c 1 "$2")" ] || printf '\n\\ No newline at end of %s\n' "$1"
    [ "$size" -le "$LIB_MAX_DETAIL" ] || echo "... ($size bytes, truncated)"
}

# _lib_run CMD...: run into $LIB_TMP/run.{out,err}, status in _lib_rc
_lib_run() {
    "$@" > "$LIB_TMP/run.out" 2> "$LIB_TMP/run.err"
    _lib_rc=$?
}

_lib_run_details() {  # EXPECTATION CMD...
    local expect=$1; shift
    echo "command: $(_lib_cmdline "$@")"
    echo "exit status: $_lib_rc ($expect)"
    _lib_stream stdout "$LIB_TMP/run.out"
    _lib_stream stderr "$LIB_TMP/run.err"
}

pass() { _lib_record ok "$1"; }
fail() { local name=$1; shift; printf '%s\n' "${*:-failed}" > "$LIB_TMP/detail"; _lib_record fail "$name" "$LIB_TMP/detail"; }
_lib_fail() { _lib_record fail "$1" "$LIB_TMP/detail"; }   # details already in $LIB_TMP/detail
skip() { local name=$1; shift; _lib_record skip "$name" "${*:-skipped}"; }
note() { printf '# %s\n' "$*"; }

check() {
    local name=$1; shift
    _lib_run "$@"
    if [ "$_lib_rc" -eq 0 ]; then pass "$name"
    else _lib_run_details "expected 0" "$@" > "$LIB_TMP/detail"; _lib_fail "$name"; fi
}

check_status() {
    local name=$1 want=$2; shift 2
    _lib_run "$@"
    if [ "$_lib_rc" = "$want" ]; then pass "$name"
    else _lib_run_details "expected $want" "$@" > "$LIB_TMP/detail"; _lib_fail "$name"; fi
}

check_output() {
    local name=$1 want=$2 got; shift 2
    _lib_run "$@"
    got=$(<"$LIB_TMP/run.out")
    if [ "$_lib_rc" -eq 0 ] && [ "$got" == "$want" ]; then pass "$name"; return; fi
    {
        _lib_run_details "expected 0" "$@"
        echo "--- diff -u expected actual (stdout):"
        printf '%s\n' "$want" > "$LIB_TMP/want"
        printf '%s\n' "$got" > "$LIB_TMP/got"
        diff -u --label expected --label actual "$LIB_TMP/want" "$LIB_TMP/got"
    } > "$LIB_TMP/detail"; _lib_fail "$name"
}

check_contains() {
    local name=$1 needle=$2; shift 2
    _lib_run "$@"
    if [ "$_lib_rc" -eq 0 ] && grep -qF -- "$needle" "$LIB_TMP/run.out"; then pass "$name"; return; fi
    { echo "expected stdout to contain: $needle"; _lib_run_details "expected 0" "$@"; } > "$LIB_TMP/detail"; _lib_fail "$name"
}

check_same() {
    local name=$1 a=$2 b=$3
    if [ ! -f "$a" ] || [ ! -f "$b" ]; then
        fail "$name" "check_same: missing file: $( [ -f "$a" ] || printf '%s ' "$a")$( [ -f "$b" ] || printf '%s' "$b")"
        return
    fi
    if cmp -s -- "$a" "$b"; then pass "$name"; return; fi
    {
        echo "files differ: $a $b"
        diff -u -- "$a" "$b" | head -c "$LIB_MAX_DETAIL"
        if [ -z "$(diff -- "$a" "$b")" ]; then echo "(diff sees no line difference; bytes differ)"; cmp -- "$a" "$b"; fi
    } > "$LIB_TMP/detail"; _lib_fail "$name"
}

check_compat() {
    local name=$1; shift
    local d=$LIB_TMP/compat.$name ok=1
    mkdir -p "$d"
    # Both run as plain "ipvsadm" found in PATH, so argv[0] (which ipvsadm
    # prints in some messages) is the same for both.
    capture "$d/ipvsadm" ipvsadm "$@"
    capture "$d/lvsctl" env PATH="${IPVSADM_LVS%/*}:$PATH" ipvsadm "$@"
    cmp -s "$d/ipvsadm.out" "$d/lvsctl.out" || ok=0
    cmp -s "$d/ipvsadm.rc" "$d/lvsctl.rc" || ok=0
    if [ "${LIB_COMPARE_STDERR:-0}" = 1 ]; then cmp -s "$d/ipvsadm.err" "$d/lvsctl.err" || ok=0; fi
    if [ $ok = 1 ]; then pass "$name"; return; fi
    {
        echo "command: ipvsadm $(_lib_cmdline "$@")   (Debian's ipvsadm vs. lvsctl as ipvsadm)"
        echo "exit status: ipvsadm $(cat "$d/ipvsadm.rc"), lvsctl $(cat "$d/lvsctl.rc")"
        echo "--- diff -u ipvsadm lvsctl (stdout):"
        diff -u --label ipvsadm --label lvsctl "$d/ipvsadm.out" "$d/lvsctl.out" | head -c "$LIB_MAX_DETAIL"
        echo "--- diff -u ipvsadm lvsctl (stderr):"
        diff -u --label ipvsadm --label lvsctl "$d/ipvsadm.err" "$d/lvsctl.err" | head -c "$LIB_MAX_DETAIL"
    } > "$LIB_TMP/detail"; _lib_fail "$name"
}

capture() {
    local prefix=$1 rc; shift
    "$@" > "$prefix.out" 2> "$prefix.err"
    rc=$?
    echo "$rc" > "$prefix.rc"
    return "$rc"
}

wait_until() {
    local secs=$1 end; shift
    end=$(( $(date +%s%N) + secs * 1000000000 ))
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.2
    done
}

kmod() { modprobe -d "$KROOT" "$@"; }

summary() {
    echo "# checks: $_lib_npass ok, $_lib_nfail not ok, $_lib_nskip skipped"
    [ "$_lib_nfail" -eq 0 ]
}

fi
