#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Run all of berth's tests, the way CI does (.ci/run calls this and nothing
# else). Meant to run as root on Debian 12:
#
#   1. install the packages the build and the tests use (apt-get; skipped
#      when all are present)
#   2. make /dev/net/tun usable by everyone (there is no udev)
#   3. check formatting: clang-format on every tracked *.cpp/*.hpp
#   4. build with meson into build-test/ and install into a fresh prefix
#      under /tmp
#   5. run the unit tests (meson test --suite unit)
#   6. run tests/system/*.bats as root
#   7. run them again as the unprivileged user berthtest (rootless)
#   8. print "N passed, M failed[, K skipped]" as the last line; exit 1 if
#      anything failed
#
# Counting: each Catch2 test case is one test (read from Catch2's summary in
# meson's test log; a unit test binary whose summary cannot be read counts as
# one test, failed unless meson says it passed); each bats result line is one
# test (a bats "setup_file failed"/"teardown_file failed" line too); each
# unformatted file is one failure (a clean format check is one pass); a failed
# package install or build is one failure.
#
# Run as another user, steps 1, 2 and 7 are skipped and step 6 runs rootless
# as that user.
#
# Environment: BUILDDIR (default build-test, inside the repo), KEEP_TMP=1 keeps
# the install prefix and copied tests, BATS_TIMEOUT (seconds per bats run,
# default 1500).

set -uo pipefail

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C.UTF-8

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-build-test}
BATS_TIMEOUT=${BATS_TIMEOUT:-1500}
TEST_USER=berthtest
TEST_SUBID_START=200000
TEST_SUBID_COUNT=65536

# Debian packages: build, tests, and peers the later tests compare against.
BUILD_PACKAGES=(
    meson ninja-build pkg-config g++
    libseccomp-dev libcap-dev libyaml-cpp-dev libfmt-dev libcli11-dev catch2
    libcurl4-openssl-dev nlohmann-json3-dev libarchive-dev libssl-dev libyaml-dev
    go-md2man clang-format
)
TEST_PACKAGES=(
    bats jq uidmap busybox-static strace procps util-linux iproute2 attr python3 tmux
    python3-jwt python3-cryptography openssl curl
    passt slirp4netns fuse-overlayfs iptables
)
PEER_PACKAGES=(
    podman catatonit crun skopeo docker-registry apache2-utils nodejs npm
    systemd hyperfine
)

PASSED=0
FAILED=0
SKIPPED=0
FAILURES=()
TMPDIRS=()

IS_ROOT=
if [[ $(id -u) -eq 0 ]]; then
    IS_ROOT=1
fi

###############################################################################
# Output and bookkeeping

SECTION_NAME=
SECTION_START=

function section() {
    SECTION_NAME=$1
    SECTION_START=$(date +%s%N)
    echo
    echo "================================================================"
    echo "== $SECTION_NAME"
    echo "================================================================"
}

function section_done() {
    local ms=$((($(date +%s%N) - SECTION_START) / 1000000))
    printf '== %s: done in %d.%01d s (so far: %d passed, %d failed, %d skipped)\n' \
        "$SECTION_NAME" $((ms / 1000)) $((ms % 1000 / 100)) "$PASSED" "$FAILED" "$SKIPPED"
}

# pass/fail/skip N [what]
function pass() { PASSED=$((PASSED + $1)); }
function skipped() { SKIPPED=$((SKIPPED + $1)); }
function fail() {
    FAILED=$((FAILED + $1))
    FAILURES+=("$2")
    echo "FAILED: $2"
}

function cleanup_tmp() {
    if [[ -n "${KEEP_TMP:-}" ]]; then
        echo "KEEP_TMP is set; kept: ${TMPDIRS[*]}"
        return
    fi
    local d
    for d in "${TMPDIRS[@]}"; do
        rm -rf "$d" 2>/dev/null
    done
}

function summary_and_exit() {
    cleanup_tmp
    echo
    echo "================================================================"
    if [[ ${#FAILURES[@]} -gt 0 ]]; then
        echo "Failures:"
        local f
        for f in "${FAILURES[@]}"; do
            echo "  - $f"
        done
    fi
    local line="$PASSED passed, $FAILED failed"
    if [[ $SKIPPED -gt 0 ]]; then
        line+=", $SKIPPED skipped"
    fi
    echo "$line"
    if [[ $FAILED -gt 0 ]]; then
        exit 1
    fi
    exit 0
}

# A world-readable (0755) temp dir under /tmp, removed at the end; its path
# goes into $NEW_TMPDIR (not echoed: a $(...) subshell would lose TMPDIRS).
NEW_TMPDIR=
function make_public_tmpdir() {
    NEW_TMPDIR=$(mktemp -d "/tmp/$1.XXXXXX") || return 1
    chmod 0755 "$NEW_TMPDIR"
    TMPDIRS+=("$NEW_TMPDIR")
}

###############################################################################
# 1. Packages

# Names of installed packages, and of what they provide: nodejs from
# NodeSource (preinstalled on some images) provides and conflicts with npm.
INSTALLED_NAMES=
function refresh_installed() {
    INSTALLED_NAMES=" $(dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Provides}\n' 2>/dev/null |
        awk -F'|' '$1 ~ /^ii/ {
            print $2
            n = split($3, prov, ",")
            for (i = 1; i <= n; i++) { sub(/^ +/, "", prov[i]); sub(/ .*/, "", prov[i]); print prov[i] }
        }' | sort -u | tr '\n' ' ')"
}

function package_installed() {
    [[ "$INSTALLED_NAMES" == *" $1 "* ]]
}

function install_packages() {
    section "packages"
    local missing=() p
    refresh_installed
    for p in "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${PEER_PACKAGES[@]}"; do
        package_installed "$p" || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        echo "all packages are installed"
        section_done
        return
    fi
    echo "missing: ${missing[*]}"
    if [[ -z "$IS_ROOT" ]]; then
        fail 1 "packages missing (run as root to install): ${missing[*]}"
        section_done
        return
    fi

    # Installing daemons (docker-registry) must not start them: the tests
    # start their own, on their own ports. policy-rc.d 101 = "action
    # forbidden" for invoke-rc.d.
    local policy=/usr/sbin/policy-rc.d made_policy=
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made_policy=1
    fi

    local ok=1
    apt-get update || ok=
    if [[ -n "$ok" ]]; then
        if ! apt-get install -y --no-install-recommends "${missing[@]}" </dev/null; then
            # One broken package must not keep out the others: one at a time.
            echo "apt-get install of all at once failed; installing one by one"
            for p in "${missing[@]}"; do
                apt-get install -y --no-install-recommends "$p" </dev/null || ok=
            done
        fi
    fi
    if [[ -n "$made_policy" ]]; then
        rm -f "$policy"
    fi

    refresh_installed
    local still=()
    for p in "${missing[@]}"; do
        package_installed "$p" || still+=("$p")
    done
    if [[ -z "$ok" || ${#still[@]} -gt 0 ]]; then
        fail 1 "package install (apt-get failed; still missing: ${still[*]:-none})"
    fi
    section_done
}

###############################################################################
# 2. /dev/net/tun

function fix_tun() {
    if [[ -n "$IS_ROOT" && -c /dev/net/tun ]]; then
        chmod 0666 /dev/net/tun && echo "chmod 0666 /dev/net/tun"
    fi
}

###############################################################################
# 3. Formatting

function check_format() {
    section "format (clang-format --dry-run -Werror)"
    if ! command -v clang-format >/dev/null; then
        fail 1 "format: clang-format not installed"
        section_done
        return
    fi
    clang-format --version
    local files=() f bad=0
    mapfile -t files < <(git -C "$REPO" ls-files -- '*.cpp' '*.hpp')
    for f in "${files[@]}"; do
        [[ -f "$REPO/$f" ]] || continue # deleted in the work tree
        if ! (cd "$REPO" && clang-format --dry-run -Werror "$f" >/dev/null 2>&1); then
            fail 1 "format: $f is not clang-formatted (clang-format -i $f)"
            # Show the first complaints, to see what is wrong without a rerun.
            (cd "$REPO" && clang-format --dry-run "$f" 2>&1 | head -n 20)
            bad=$((bad + 1))
        fi
    done
    echo "${#files[@]} files checked, $bad not formatted"
    if [[ $bad -eq 0 ]]; then
        pass 1
    fi
    section_done
}

###############################################################################
# 4. Build and install

PREFIX=
BERTH_BIN=

function build_and_install() {
    section "build and install (meson, $BUILDDIR)"
    if ! make_public_tmpdir berth-prefix; then
        fail 1 "build: cannot make a prefix dir under /tmp"
        section_done
        return 1
    fi
    PREFIX=$NEW_TMPDIR
    echo "prefix: $PREFIX"
    local dir=$REPO/$BUILDDIR
    local ok=1

    if [[ -f "$dir/meson-private/coredata.dat" ]]; then
        # Keep the build dir (incremental builds on dev machines); the prefix
        # is new on every run. If reconfiguring fails, start over.
        if ! meson setup --reconfigure "$dir" "$REPO" --prefix "$PREFIX" -Dtests=true -Dman=auto; then
            echo "reconfigure failed; wiping $dir"
            rm -rf "$dir"
        fi
    fi
    if [[ ! -f "$dir/meson-private/coredata.dat" ]]; then
        meson setup "$dir" "$REPO" --prefix "$PREFIX" -Dtests=true -Dman=auto || ok=
    fi
    if [[ -n "$ok" ]]; then
        meson compile -C "$dir" || ok=
    fi
    if [[ -n "$ok" ]]; then
        meson install -C "$dir" --no-rebuild || ok=
    fi
    if [[ -z "$ok" ]]; then
        fail 1 "build: meson setup/compile/install failed"
        section_done
        return 1
    fi
    pass 1 # the build itself
    if [[ -x "$PREFIX/bin/berth" ]]; then
        BERTH_BIN=$PREFIX/bin/berth
    else
        # The unit tests can still run; the system tests cannot.
        fail 1 "install: $PREFIX/bin/berth was not installed"
    fi
    echo "installed:"
    (cd "$PREFIX" && find . -type f | sort | sed 's/^/  /')
    section_done
}

###############################################################################
# 5. Unit tests

# Read Catch2's summary from one test's output: prints "passed failed skipped"
# or nothing if there is no summary. Catch2 v2 and v3 print either
#   All tests passed (12 assertions in 3 test cases)
# or
#   test cases:  3 |  2 passed | 1 failed [| 1 skipped]
function catch2_counts() {
    local out=$1 line
    line=$(grep -E '^All tests passed \([0-9]+ assertions? in [0-9]+ test cases?\)' <<<"$out" | tail -n 1)
    if [[ -n "$line" ]]; then
        sed -E 's/.* in ([0-9]+) test cases?\).*/\1 0 0/' <<<"$line"
        return
    fi
    line=$(grep -E '^test cases: *[0-9]+ *\|' <<<"$out" | tail -n 1)
    if [[ -n "$line" ]]; then
        local p f s
        p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
        f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
        s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)
        echo "${p:-0} ${f:-0} ${s:-0}"
    fi
}

function run_unit_tests() {
    section "unit tests (meson test --suite unit)"
    local dir=$REPO/$BUILDDIR
    local ntests
    ntests=$(meson introspect --tests "$dir" 2>/dev/null |
        jq '[.[] | select(.suite | map(. == "unit" or endswith(":unit")) | any)] | length' 2>/dev/null)
    echo "unit tests registered: ${ntests:-unknown}"
    if [[ "${ntests:-0}" == 0 ]]; then
        echo "no unit tests are registered yet"
        section_done
        return
    fi

    local log=$dir/meson-logs/testlog.json
    rm -f "$log"
    meson test -C "$dir" --suite unit --print-errorlogs --no-rebuild
    local rc=$?
    if [[ ! -s "$log" ]]; then
        fail 1 "unit: meson test wrote no $log (rc=$rc)"
        section_done
        return
    fi

    # One JSON object per test run (all from this --suite unit run: the log
    # was removed first); "result" is OK, FAIL, TIMEOUT, SKIP, ...
    local name result out counts p f s seen=0
    while IFS= read -r entry; do
        name=$(jq -r '.name' <<<"$entry")
        result=$(jq -r '.result' <<<"$entry")
        out=$(jq -r '(.stdout // "") + "\n" + (.stderr // "")' <<<"$entry")
        seen=$((seen + 1))
        counts=$(catch2_counts "$out")
        if [[ "$result" == SKIP ]]; then
            skipped 1
            echo "unit: $name skipped"
            continue
        fi
        if [[ -n "$counts" ]]; then
            read -r p f s <<<"$counts"
            pass "$p"
            skipped "$s"
            if [[ "$f" -gt 0 ]]; then
                fail "$f" "unit: $name: $f Catch2 test case(s) failed"
            elif [[ "$result" != OK ]]; then
                # All cases passed but the binary still failed (crash at exit,
                # leak sanitizer, timeout...).
                fail 1 "unit: $name: $result (rc $(jq -r '.returncode' <<<"$entry")) although its test cases passed"
            fi
            echo "unit: $name: $p passed, $f failed, $s skipped ($result)"
        else
            if [[ "$result" == OK ]]; then
                pass 1
                echo "unit: $name: passed (no Catch2 summary; counted as one test)"
            else
                fail 1 "unit: $name: $result, no Catch2 summary (crashed or timed out?)"
            fi
        fi
    done < <(jq -c '{name, result, returncode, stdout, stderr}' "$log")
    if [[ $seen -eq 0 ]]; then
        fail 1 "unit: no unit test results in $log (meson test rc=$rc)"
    fi
    section_done
}

###############################################################################
# 6./7. System tests (bats)

SYSTEM_DIR=

# Copy tests/system and tests/fixtures where any user can read them (the
# repo may be under /root).
function stage_system_tests() {
    make_public_tmpdir berth-systest || return 1
    SYSTEM_DIR=$NEW_TMPDIR
    cp -r "$REPO/tests/system" "$SYSTEM_DIR/system" || return 1
    if [[ -d "$REPO/tests/fixtures" ]]; then
        cp -r "$REPO/tests/fixtures" "$SYSTEM_DIR/fixtures" || return 1
    fi
    # Offline test images, built once (as root: some files belong to other
    # users) and read by both passes.
    BERTH_FIXTURES=
    if [[ -x "$REPO/tests/fixtures/make-images.sh" ]]; then
        if bash "$REPO/tests/fixtures/make-images.sh" "$SYSTEM_DIR/images"; then
            BERTH_FIXTURES=$SYSTEM_DIR/images
        else
            fail 1 "fixtures: tests/fixtures/make-images.sh failed"
        fi
    fi
    # The Kubernetes schema validator of 120-kube.bats (kube-validate.js):
    # kubernetes-models@4 and a YAML reader, from the npm registry.
    KUBE_MODELS_DIR=
    if command -v npm >/dev/null; then
        mkdir -p "$SYSTEM_DIR/npm"
        if (cd "$SYSTEM_DIR/npm" && npm install --silent --no-audit --no-fund \
            kubernetes-models@4 yaml@2 >/dev/null); then
            KUBE_MODELS_DIR=$SYSTEM_DIR/npm/node_modules
        else
            fail 1 "npm install kubernetes-models@4 yaml@2 failed"
        fi
    fi
    chmod -R a+rX "$SYSTEM_DIR"
}

# Count the TAP stream of one bats run (a file), as bats printed it.
function count_tap() {
    local tap=$1 label=$2 rc=$3
    local plan ok notok skip results
    plan=$(grep -m1 -E '^1\.\.[0-9]+' "$tap" | sed 's/^1\.\.//')
    ok=$(grep -E '^ok [0-9]+' "$tap" | grep -vcE ' # (skip|SKIP)\b')
    skip=$(grep -E '^ok [0-9]+' "$tap" | grep -cE ' # (skip|SKIP)\b')
    notok=$(grep -cE '^not ok [0-9]+' "$tap")
    results=$((ok + skip + notok))

    pass "$ok"
    skipped "$skip"
    if [[ $notok -gt 0 ]]; then
        local line
        while IFS= read -r line; do
            fail 1 "$label: $line"
        done < <(grep -E '^not ok [0-9]+' "$tap")
    fi
    if [[ -z "$plan" ]]; then
        fail 1 "$label: bats printed no TAP plan (rc=$rc)"
    elif [[ $results -lt $plan ]]; then
        fail $((plan - results)) "$label: $((plan - results)) of $plan tests did not run (rc=$rc)"
    fi
    if [[ $rc -ne 0 && $notok -eq 0 && -n "$plan" && $results -ge $plan ]]; then
        fail 1 "$label: bats exited $rc without a failed test"
    fi
}

# run_bats LABEL USER: each tests/system/*.bats file, as root (USER empty) or
# as USER with a clean environment.
function run_bats() {
    local label=$1 user=$2
    section "system tests: $label"
    if [[ -z "$BERTH_BIN" || ! -x "$BERTH_BIN" ]]; then
        fail 1 "$label: not run, no installed berth binary"
        section_done
        return
    fi
    if ! command -v bats >/dev/null; then
        fail 1 "$label: bats is not installed"
        section_done
        return
    fi
    local files=()
    mapfile -t files < <(cd "$SYSTEM_DIR/system" && ls -1 [0-9]*.bats 2>/dev/null)
    if [[ ${#files[@]} -eq 0 ]]; then
        echo "no tests/system/*.bats files"
        section_done
        return
    fi

    local expect_man=
    if [[ -d "$PREFIX/share/man/man1" ]] || command -v go-md2man >/dev/null; then
        expect_man=1
    fi

    local f tap rc
    for f in "${files[@]}"; do
        echo "---- $f ($label)"
        tap=$(mktemp)
        chmod 0644 "$tap"
        if [[ -n "$user" ]]; then
            local uid home
            uid=$(id -u "$user")
            home=$(getent passwd "$user" | cut -d: -f6)
            (cd "$SYSTEM_DIR/system" &&
                timeout --kill-after=30 "$BATS_TIMEOUT" \
                    runuser -u "$user" -- env -i \
                    HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/bash \
                    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
                    LANG=C.UTF-8 TERM=dumb \
                    XDG_RUNTIME_DIR="/run/user/$uid" \
                    BERTH="$BERTH_BIN" BERTH_EXPECT_MAN="$expect_man" \
                    BERTH_FIXTURES="$BERTH_FIXTURES" KUBE_MODELS_DIR="$KUBE_MODELS_DIR" \
                    bats --tap "$f" </dev/null 2>&1) | tee "$tap"
            rc=${PIPESTATUS[0]}
        else
            (cd "$SYSTEM_DIR/system" &&
                BERTH="$BERTH_BIN" BERTH_EXPECT_MAN="$expect_man" \
                    BERTH_FIXTURES="$BERTH_FIXTURES" KUBE_MODELS_DIR="$KUBE_MODELS_DIR" \
                    timeout --kill-after=30 "$BATS_TIMEOUT" \
                    bats --tap "$f" </dev/null 2>&1) | tee "$tap"
            rc=${PIPESTATUS[0]}
        fi
        if [[ $rc -eq 124 || $rc -eq 137 ]]; then
            echo "bats timed out after ${BATS_TIMEOUT}s"
        fi
        count_tap "$tap" "$label $f" "$rc"
        rm -f "$tap"
    done
    section_done
}

# The unprivileged user for the rootless pass, with subordinate ids and a
# runtime dir (no systemd-logind here to make one).
function setup_test_user() {
    if ! id "$TEST_USER" >/dev/null 2>&1; then
        # -K ...=0: no automatic subordinate ids; ours are added below.
        useradd -m -s /bin/bash -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$TEST_USER" || return 1
    fi
    local f
    for f in /etc/subuid /etc/subgid; do
        touch "$f"
        if ! grep -q "^$TEST_USER:" "$f"; then
            echo "$TEST_USER:$TEST_SUBID_START:$TEST_SUBID_COUNT" >>"$f"
        fi
    done
    local uid
    uid=$(id -u "$TEST_USER")
    mkdir -p /run/user
    chmod 0755 /run/user
    mkdir -p "/run/user/$uid"
    chown "$TEST_USER:$(id -g "$TEST_USER")" "/run/user/$uid"
    chmod 0700 "/run/user/$uid"
    echo "user $TEST_USER: uid $uid; $(grep "^$TEST_USER:" /etc/subuid | head -n1) (subuid)"
}

# After the rootless pass nothing it started may still run as the test user
# (each bats file already stops its own berth-pause): report and kill what is
# left. Zombies are dead already (this machine's init may be slow to reap
# them); processes older than the pass, or running neither our berth nor our
# copy of the tests, are not its doing (another run may share the user).
function check_user_leftovers() {
    local user=$1 since=$2
    local max_age=$(($(date +%s) - since + 1))
    local pids="" pid exe cmd
    for pid in $(ps -u "$user" -o pid=,stat=,etimes= 2>/dev/null |
        awk -v max="$max_age" '$2 !~ /^Z/ && $3 <= max { print $1 }'); do
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
        if [[ "$exe $cmd" == *"$PREFIX/"* || "$exe $cmd" == *"$SYSTEM_DIR/"* ]]; then
            pids+="$pid "
        fi
    done
    if [[ -n "$pids" ]]; then
        # shellcheck disable=SC2086 # a list of pids
        ps -o pid,ppid,etime,args -p "$(echo $pids | tr ' ' ,)" 2>/dev/null | sed 's/^/  /'
        fail 1 "rootless: processes of $user still running after the tests: $pids"
        local pid
        for pid in $pids; do
            kill -KILL "$pid" 2>/dev/null
        done
    fi
}

###############################################################################
# Main

echo "berth test run: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), uid $(id -u), repo $REPO"
TOTAL_START=$(date +%s)

install_packages
fix_tun
check_format

if build_and_install; then
    run_unit_tests

    section "stage system tests"
    if stage_system_tests; then
        echo "system tests copied to $SYSTEM_DIR"
        section_done
        if [[ -n "$IS_ROOT" ]]; then
            run_bats "root" ""
            section "rootless user $TEST_USER"
            if setup_test_user; then
                section_done
                rootless_start=$(date +%s)
                run_bats "rootless ($TEST_USER)" "$TEST_USER"
                check_user_leftovers "$TEST_USER" "$rootless_start"
            else
                fail 1 "rootless: cannot set up user $TEST_USER"
                section_done
            fi
        else
            run_bats "rootless ($(id -un))" ""
        fi
    else
        fail 1 "system: cannot copy tests/system to a temp dir"
        section_done
    fi
fi

echo
echo "total time: $(($(date +%s) - TOTAL_START)) s"
summary_and_exit
