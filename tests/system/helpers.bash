# -*- bash -*-
# SPDX-License-Identifier: Apache-2.0
#
# Shared helpers for berth's system tests, in the style of podman's
# test/system/helpers.bash. Load from a .bats file with `load helpers`.
#
# Environment:
#   BERTH           the berth binary to test (default: `berth` on PATH)
#   BERTH_TIMEOUT   seconds before one berth command is killed (default 120)
#   BERTH_TEST_TMP  where per-file root/runroot dirs are made (default /tmp;
#                   keep it short: the runroot holds unix sockets, whose
#                   paths may not exceed 107 bytes)
#
# Every .bats file gets its own fresh --root and --runroot (setup_file), which
# run_berth passes on every call. After the file (teardown_file) nothing may be
# left behind: no process naming those dirs, no mount under them.

bats_require_minimum_version 1.5.0

BERTH=${BERTH:-berth}
BERTH_TIMEOUT=${BERTH_TIMEOUT:-120}
BERTH_TEST_TMP=${BERTH_TEST_TMP:-/tmp}

# Prompt shown when logging commands, so a log tells root from rootless.
_LOG_PROMPT='$'
if [[ $(id -u) -eq 0 ]]; then
    _LOG_PROMPT='#'
fi

# The install prefix, when $BERTH is <prefix>/bin/berth (the tests of the
# installed layout need it; empty when berth runs from a build dir or PATH).
BERTH_PREFIX=
if [[ "$BERTH" == */bin/berth ]]; then
    BERTH_PREFIX=$(cd "$(dirname "$BERTH")/.." 2>/dev/null && pwd)
fi

###############################################################################
# BEGIN setup/teardown

# Create this file's root and runroot. Exported, so tests (which run in
# subshells of setup_file) see them.
function basic_setup_file() {
    BERTH_TEST_ROOT=$(mktemp -d "$BERTH_TEST_TMP/berth-root.XXXXXX") ||
        die "cannot create a temporary --root under $BERTH_TEST_TMP"
    BERTH_TEST_RUNROOT=$(mktemp -d "$BERTH_TEST_TMP/berth-rr.XXXXXX") ||
        die "cannot create a temporary --runroot under $BERTH_TEST_TMP"
    # mktemp makes 0700 dirs; say it anyway: a rootless runroot must be private.
    chmod 0700 "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT"
    export BERTH_TEST_ROOT BERTH_TEST_RUNROOT
}

# Check that the file left nothing behind, then remove its dirs. Fails (after
# cleaning up as well as it can) if a process or a mount leaked.
function basic_teardown_file() {
    local problems=0
    local dir

    # berth-pause holds the user namespace and is allowed to outlive every
    # command; it is killed below, after the leak checks.
    local pause_pid
    pause_pid=$(_pause_pid "$BERTH_TEST_RUNROOT")
    # A test may have used a second store with a runroot below this one
    # (e.g. <runroot>/other): its berth-pause goes too.
    local extra_pause pidfile
    if [[ -d "$BERTH_TEST_RUNROOT" ]]; then
        while read -r pidfile; do
            extra_pause=$(_pause_pid "$(dirname "$pidfile")")
            [[ -n "$extra_pause" && "$extra_pause" != "$pause_pid" ]] && _kill_pause "$extra_pause"
        done < <(find "$BERTH_TEST_RUNROOT" -mindepth 2 -name pause.pid 2>/dev/null)
    fi

    local leaked_pids
    leaked_pids=$(_pids_naming "$pause_pid" "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT")
    if [[ -n "$leaked_pids" ]]; then
        local pid
        for pid in $leaked_pids; do
            echo "# LEAK: process $pid still running: $(_cmdline "$pid")" >&2
        done
        problems=$((problems + 1))
    fi

    local leaked_mounts
    leaked_mounts=$(_mounts_under "$pause_pid" "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT")
    if [[ -n "$leaked_mounts" ]]; then
        local m
        while read -r m; do
            echo "# LEAK: mount still present: $m" >&2
        done <<<"$leaked_mounts"
        problems=$((problems + 1))
    fi

    # Clean up whatever leaked, so that later files start clean.
    if [[ -n "$leaked_pids" ]]; then
        kill -9 $leaked_pids 2>/dev/null || true
    fi
    if [[ -n "$leaked_mounts" ]]; then
        local m
        # Deepest first.
        sort -r <<<"$leaked_mounts" | while read -r m; do
            umount -l "$m" 2>/dev/null || true
        done
    fi

    for dir in "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT"; do
        _remove_dir "$dir" || problems=$((problems + 1))
    done

    _kill_pause "$pause_pid"
    # The pause process may have had the runroot (its pid file) in use.
    if [[ -d "$BERTH_TEST_RUNROOT" ]]; then
        rm -rf "$BERTH_TEST_RUNROOT" 2>/dev/null || true
    fi

    if [[ $problems -ne 0 ]]; then
        die "$BATS_TEST_FILENAME left things behind (see LEAK lines above)"
    fi
}

# Defaults; a .bats file may define its own and call the basic_* ones.
function setup_file() {
    basic_setup_file
}

function teardown_file() {
    basic_teardown_file
}

# The pid in <runroot>/pause.pid if that process is a berth-pause, else "".
function _pause_pid() {
    local runroot=$1
    local pidfile=$runroot/pause.pid
    [[ -r "$pidfile" ]] || return 0
    local pid
    # "<pid> <start time>"
    pid=$(awk 'NR == 1 {print $1}' "$pidfile" | tr -dc 0-9)
    [[ -n "$pid" && -d /proc/$pid ]] || return 0
    if [[ "$(_cmdline "$pid")" == *berth-pause* ]] ||
        [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == berth-pause* ]]; then
        echo "$pid"
    fi
    return 0
}

function _kill_pause() {
    local pid=$1
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    local i
    for i in {1..50}; do
        [[ -d /proc/$pid ]] || return 0
        # A zombie waits for this machine's init to reap it: it is gone.
        [[ "$(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null)" == Z ]] && return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

# The command line of a process, NULs turned into spaces.
function _cmdline() {
    tr '\0' ' ' </proc/"$1"/cmdline 2>/dev/null
}

# Pids (other than ours, our ancestors', and the allowed one) whose command
# line names one of the given paths.
function _pids_naming() {
    local allowed=$1
    shift
    local self_ancestors=" $$ $BASHPID "
    local p=$BASHPID
    while [[ -n "$p" && "$p" != 0 && "$p" != 1 ]]; do
        p=$(awk '/^PPid:/ {print $2}' /proc/"$p"/status 2>/dev/null)
        self_ancestors+="$p "
    done

    local procdir pid cmd path
    for procdir in /proc/[0-9]*; do
        pid=${procdir#/proc/}
        [[ "$pid" == "$allowed" ]] && continue
        [[ "$self_ancestors" == *" $pid "* ]] && continue
        cmd=$(_cmdline "$pid") || continue
        for path in "$@"; do
            if [[ -n "$path" && "$cmd" == *"$path"* ]]; then
                echo "$pid"
                break
            fi
        done
    done
    return 0
}

# Mount points under the given paths, as seen from this mount namespace and
# from the pause process's (if any: rootless berth mounts inside it).
function _mounts_under() {
    local pause_pid=$1
    shift
    local sources=(/proc/self/mountinfo)
    if [[ -n "$pause_pid" && -r /proc/$pause_pid/mountinfo ]]; then
        sources+=(/proc/$pause_pid/mountinfo)
    fi
    local path real
    for path in "$@"; do
        [[ -n "$path" ]] || continue
        real=$(realpath -m "$path")
        # Field 5 of mountinfo is the mount point (octal-escaped: no spaces
        # in our paths, so a plain comparison is enough).
        awk -v p="$path" -v r="$real" \
            '$5 == p || $5 == r || index($5, p "/") == 1 || index($5, r "/") == 1 { print $5 }' \
            "${sources[@]}" 2>/dev/null
    done | sort -u
}

# rm -rf a test dir. Rootless, files owned by subordinate ids (extracted image
# layers) cannot be removed by the user directly: retry inside berth's user
# namespace (`berth unshare`, once it exists).
function _remove_dir() {
    local dir=$1
    [[ -n "$dir" && -e "$dir" ]] || return 0
    rm -rf "$dir" 2>/dev/null && return 0
    if is_rootless; then
        "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
            unshare rm -rf "$dir" >/dev/null 2>&1 || true
        rm -rf "$dir" 2>/dev/null || true
    fi
    if [[ -e "$dir" ]]; then
        echo "# LEAK: cannot remove $dir" >&2
        return 1
    fi
}

# END   setup/teardown
###############################################################################
# BEGIN berth helpers

# '[HH:MM:SS.NNNNNN]' before logged commands and output.
# Files whose tests run the busybox fixture image: setup_file loads it into
# the file's store, setup skips when the fixtures are not built, and
# teardown removes every container left.
function busybox_setup_file() {
    basic_setup_file
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/busybox-docker-archive.tar" ]] || return 0
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        load -i "$BERTH_FIXTURES/busybox-docker-archive.tar" >/dev/null
}

function busybox_setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/busybox-docker-archive.tar" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
}

# Defines the setup_file, setup and teardown of a file whose tests run
# busybox containers (the shared fixture image, fresh root and runroot per
# test, containers removed after each). Call it after `load helpers`.
function busybox_tests() {
    function setup_file() { busybox_setup_file; }
    function setup() { busybox_setup; }
    function teardown() { remove_all_containers; }
}

# busybox_tests for files whose tests make pods: the teardown removes every
# pod (with its containers), then the other containers.
function busybox_pod_tests() {
    busybox_tests
    function teardown() { remove_all_pods; remove_all_containers; }
}

function remove_all_pods() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" pod rm -a -f -t 0 >/dev/null 2>&1 || true
}

function remove_all_containers() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" rm -a -f -t 0 >/dev/null 2>&1 || true
}

# Waits (up to 20 s) until `inspect --format FORMAT NAME` prints EXPECTED.
function wait_for_inspect() {
    local name=$1 format=$2 expected=$3
    local i
    for i in $(seq 1 100); do
        run_berth ? inspect --format "$format" "$name"
        [[ "$status" -eq 0 && "$output" == "$expected" ]] && return 0
        sleep 0.2
    done
    die "inspect $format of $name: '$output', expected '$expected'"
}

function timestamp() {
    date +'[%T.%N]'
}

################
#  run_berth  #  Invoke $BERTH with the file's --root/--runroot, via bats 'run'
################
#
#     run_berth [--separate-stderr] [EXPECTED_RC] ARGS...
#
# EXPECTED_RC defaults to 0; '?' accepts any exit status (check $status
# yourself). With --separate-stderr, $output/$lines hold stdout only and
# $stderr/$stderr_lines hold stderr; otherwise $output has both.
# The command and its output are logged (bats shows them when a test fails),
# and a differing exit status fails the test with the command, the expected
# and actual status and the output.
function run_berth() {
    local run_opts=()
    if [[ "$1" == --separate-stderr ]]; then
        run_opts+=(--separate-stderr)
        shift
    fi

    local expected_rc=0
    case "$1" in
        [0-9] | [1-9][0-9] | [12][0-9][0-9])
            expected_rc=$1
            shift
            ;;
        '?')
            expected_rc=
            shift
            ;;
    esac

    # bats >= 1.5 warns about exit status 127 from a plain `run` (BW01);
    # '!' says a failure is expected and keeps our own, clearer check.
    if [[ "$expected_rc" == 127 ]]; then
        run_opts+=('!')
    fi

    MOST_RECENT_BERTH_COMMAND="berth $*"
    local cmd=("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@")

    printf "\n%s %s %s\n" "$(timestamp)" "$_LOG_PROMPT" "${cmd[*]}"
    # fd 3 is bats' own: a stray child holding it would hang bats.
    run "${run_opts[@]}" timeout --foreground -v --kill-after=10 "$BERTH_TIMEOUT" "${cmd[@]}" 3>/dev/null
    _log_output

    if [[ $status -eq 124 && "$expected_rc" != 124 ]]; then
        die "timed out after ${BERTH_TIMEOUT}s: ${cmd[*]}"
    fi
    if [[ -n "$expected_rc" && "$status" -ne "$expected_rc" ]]; then
        die "exit status is $status; expected $expected_rc
command: ${cmd[*]}
output:  $(_all_output)"
    fi
}

# Log what the last run printed (shown by bats only when the test fails).
function _log_output() {
    if [[ -n "$output" ]]; then
        echo "$(timestamp) $output"
    fi
    if [[ -n "${stderr:-}" ]]; then
        echo "$(timestamp) [stderr] $stderr"
    fi
    if [[ $status -ne 0 ]]; then
        echo "$(timestamp) [ rc=$status ]"
    fi
}

function _all_output() {
    printf '%s' "$output"
    if [[ -n "${stderr:-}" ]]; then
        printf '\nstderr:  %s' "$stderr"
    fi
}

# The commands listed by a `berth --help` text ($1): the first word of each
# indented line in its commands section, whatever the heading ("Available
# Commands:", "Subcommands:", "Commands:") is called.
function listed_commands() {
    awk 'tolower($0) ~ /^(available )?(sub)?commands:/ { in_list = 1; next }
         in_list && /^[^ \t]/ { in_list = 0 }
         in_list && NF > 0 { print $1 }' <<<"$1"
}

# Succeeds if the newline-separated list $1 has a line that is exactly $2.
function listed() {
    grep -Fxq -- "$2" <<<"$1"
}

# END   berth helpers
###############################################################################
# BEGIN assertions and small tools

#########
#  die  #  Fail the test with a message
#########
function die() {
    echo "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" >&2
    local line
    while IFS= read -r line; do
        echo "#| $line" >&2
    done <<<"FAIL: $*"
    echo "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^" >&2
    false
}

########
#  is  #  Compare actual with expected: equal, or a full match of a regex
########
#
#     is "$actual" "expected (an ERE, anchored at both ends)" "description"
#
# '.' in the regex also matches newlines, so "foo.*bar" spans lines.
function is() {
    local actual="$1"
    local expect="$2"
    local testname="${3:-${MOST_RECENT_BERTH_COMMAND:-[no test name given]}}"

    if [[ "$actual" == "$expect" ]]; then
        return 0
    fi
    if [[ -z "$expect" && -z "$actual" ]]; then
        return 0
    fi
    if [[ -n "$expect" ]] && [[ "$actual" =~ ^($expect)$ ]]; then
        return 0
    fi

    _show_mismatch "$testname" "$expect" "$actual"
    false
}

############
#  assert  #  podman's assert: assert "RESULT" OP "EXPECT" ["DESCRIPTION"]
############
#
# OP is one of == != =~ !~ (regexes unanchored) or -eq -ne -lt -le -gt -ge.
# The short form `assert "EXPECT" ["DESCRIPTION"]` compares $output exactly.
function assert() {
    local actual="$output" op='==' expect="$1" testname="${2:-}"
    case $# in
        1 | 2) ;;
        3 | 4)
            actual="$1"
            op="$2"
            expect="$3"
            testname="${4:-}"
            ;;
        *) die "internal error: assert takes 1 to 4 arguments" ;;
    esac
    testname="${testname:-${MOST_RECENT_BERTH_COMMAND:-[no test name given]}}"

    local ok=
    case "$op" in
        '==' | '=') [[ "$actual" == "$expect" ]] && ok=1 ;;
        '!=') [[ "$actual" != "$expect" ]] && ok=1 ;;
        '=~') [[ "$actual" =~ $expect ]] && ok=1 ;;
        '!~') [[ ! "$actual" =~ $expect ]] && ok=1 ;;
        -eq | -ne | -lt | -le | -gt | -ge)
            test "$actual" "$op" "$expect" 2>/dev/null && ok=1
            ;;
        *) die "internal error: assert: unknown operator '$op'" ;;
    esac
    [[ -n "$ok" ]] && return 0

    local shown_expect="$expect"
    if [[ "$op" != '==' && "$op" != '=' ]]; then
        shown_expect="$op $expect"
    fi
    _show_mismatch "$testname" "$shown_expect" "$actual"
    false
}

function _show_mismatch() {
    local testname="$1" expect="$2" actual="$3"
    local -a actual_split
    readarray -t actual_split <<<"$actual"
    printf "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\n" >&2
    printf "#|     FAIL: %s\n" "$testname" >&2
    printf "#| expected: '%s'\n" "$expect" >&2
    printf "#|   actual: '%s'\n" "${actual_split[0]}" >&2
    local line
    for line in "${actual_split[@]:1}"; do
        printf "#|         > '%s'\n" "$line" >&2
    done
    printf "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n" >&2
}

# True when the tests run as a user other than root.
function is_rootless() {
    [[ "$(id -u)" -ne 0 ]]
}

function skip_if_rootless() {
    if is_rootless; then
        skip "[rootless] ${1:-not applicable when rootless}"
    fi
}

function skip_if_root() {
    if ! is_rootless; then
        skip "[root] ${1:-not applicable as root}"
    fi
}

##############
#  safename  #  A random lower-case name for containers, images, volumes...
##############
#
# Like podman's: "t<test number>-<8 random chars>", the same on every call
# within one test, so the names in a log are easy to follow.
function safename() {
    local cache=$BATS_SUITE_TMPDIR/.safename.$BATS_SUITE_TEST_NUMBER
    if [[ ! -e "$cache" ]]; then
        local rand
        rand=$(head -c 4096 /dev/urandom | tr -dc a-z0-9 | head -c 8)
        printf 't%s-%s' "$BATS_SUITE_TEST_NUMBER" "$rand" >"$cache"
    fi
    cat "$cache"
}

# END   assertions and small tools
###############################################################################
