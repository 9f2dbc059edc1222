#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# berth export / container export: the container's root filesystem (image
# layers + its writable layer) as a tar, for created, running and exited
# containers, root and rootless (owners as the container sees them), with
# Podman's errors, and no mount left behind.

load helpers

IMAGE=localhost/busybox:latest
LAYERS=localhost/layers:latest

function setup_file() {
    basic_setup_file
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/busybox-docker-archive.tar" ]] || return 0
    local archive
    for archive in busybox-docker-archive.tar layers-docker-archive.tar; do
        "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
            load -i "$BERTH_FIXTURES/$archive" >/dev/null
    done
}

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/layers-docker-archive.tar" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    OUT=$BATS_TEST_TMPDIR
}

function teardown() {
    berth_raw rm -a -f -t 0 >/dev/null 2>&1 || true
}

function berth_raw() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@"
}

# export_to FILE ARGS...: `berth export ARGS` with stdout redirected to FILE
# (not through bats' `run`, which would capture the tar).
function export_to() {
    local file=$1
    shift
    MOST_RECENT_BERTH_COMMAND="berth export $* >$file"
    printf "\n%s %s %s\n" "$(timestamp)" "$_LOG_PROMPT" "$MOST_RECENT_BERTH_COMMAND"
    local rc=0
    timeout --foreground -v --kill-after=10 "$BERTH_TIMEOUT" \
        "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" export "$@" \
        >"$file" 2>"$file.err" 3>/dev/null || rc=$?
    local err
    err=$(cat "$file.err")
    rm -f "$file.err"
    [[ $rc -eq 0 ]] || die "berth export $* failed with $rc: $err"
    is "$err" "" "export prints nothing on stderr"
}

# Entries of a tar, one per line, names as stored.
function tar_names() {
    tar -tf "$1"
}

# "mode owner/group size name" of one entry (numeric owners).
function tar_entry() {
    tar --numeric-owner -tvf "$1" "$2" | awk '{print $1, $2, $3, $6}'
}

# Nothing of the export stays mounted, here or in the user namespace's
# holder, and its scratch dirs are gone.
function assert_no_export_leftovers() {
    is "$(_mounts_under "$(_pause_pid "$BERTH_TEST_RUNROOT")" "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT")" \
        "" "no mount under the store"
    is "$(find "$BERTH_TEST_RUNROOT" -name 'export-*' 2>/dev/null)" "" "no scratch dir left"
}

@test "export of an exited container: its changes over the image, owners as inside" {
    run_berth run --name exited $IMAGE sh -c 'echo new >/newfile; rm /etc/group; mkdir /d; chown 7:8 /d'
    export_to "$OUT/exited.tar" exited
    run tar_names "$OUT/exited.tar"
    local names=$output
    listed "$names" newfile || die "newfile is not in the archive: $names"
    listed "$names" bin/busybox || die "bin/busybox is not in the archive"
    listed "$names" etc/passwd || die "etc/passwd (untouched image file) is not in the archive"
    ! listed "$names" etc/group || die "etc/group was deleted in the container but is exported"
    # Podman's shape: names relative to the root, no "./" and no root entry.
    is "$(grep -c -E '^(\./|/)' <<<"$names")" "0" "no ./ or / prefixes"
    is "$(tar -xOf "$OUT/exited.tar" newfile)" "new" "content of the new file"
    # Owners as the container sees them: root is 0 rootless too.
    is "$(tar_entry "$OUT/exited.tar" bin/busybox)" "-rwxr-xr-x 0/0 1982256 bin/busybox"
    is "$(tar_entry "$OUT/exited.tar" newfile)" "-rw-r--r-- 0/0 4 newfile"
    is "$(tar_entry "$OUT/exited.tar" d/)" "drwxr-xr-x 7/8 0 d/" "chowned in the container"
    is "$(tar_entry "$OUT/exited.tar" home/user/)" "drwxr-xr-x 1000/1000 0 home/user/" "image owner"
    run_berth container inspect --format '{{.State.Status}}' exited
    is "$output" "exited"
    assert_no_export_leftovers
}

@test "export of a created container: the layers merged (whiteouts, links, modes)" {
    run_berth create --name fresh $LAYERS true
    export_to "$OUT/fresh.tar" fresh
    run tar_names "$OUT/fresh.tar"
    local names=$output
    # Layer 3 deleted data/keep.txt and made opt/dir opaque.
    ! listed "$names" data/keep.txt || die "whiteout of data/keep.txt not applied"
    is "$(grep '^opt/dir/' <<<"$names" | tr '\n' ' ')" "opt/dir/ opt/dir/y " "opaque dir"
    is "$(grep -c '\.wh\.' <<<"$names")" "0" "no whiteout entries"
    is "$(tar_entry "$OUT/fresh.tar" data/suid)" "-rwsr-xr-x 0/0 20 data/suid"
    is "$(tar_entry "$OUT/fresh.tar" data/owned-1000)" "-rw-r--r-- 1000/1000 14 data/owned-1000"
    is "$(tar_entry "$OUT/fresh.tar" data/owned-65534)" "-rw-r--r-- 65534/65534 15 data/owned-65534"
    is "$(tar --numeric-owner -tvf "$OUT/fresh.tar" data/link | awk '{print $1, $6, $7, $8}')" \
        "lrwxrwxrwx data/link -> a.txt" "symlink"
    is "$(tar --numeric-owner -tvf "$OUT/fresh.tar" data/hard | awk '{print $1, $6, $7, $8, $9}')" \
        "hrw-r--r-- data/hard link to data/a.txt" "hard link"
    is "$(tar -xOf "$OUT/fresh.tar" data/b.txt)" "b" "a file of the top layer"
    run_berth container inspect --format '{{.State.Status}}' fresh
    is "$output" "created" "export does not start the container"
    assert_no_export_leftovers
}

@test "export of a running container; berth container export -o" {
    run_berth run -d --name live $IMAGE sh -c 'echo live >/live; rm /etc/passwd; echo ready; sleep 1000'
    local i
    for i in {1..100}; do
        [[ "$(berth_raw logs live 2>/dev/null)" == ready ]] && break
        sleep 0.1
    done
    is "$(berth_raw logs live)" "ready" "the container made its changes"
    run_berth container export -o "$OUT/live.tar" live
    is "$output" "" "nothing printed"
    run tar_names "$OUT/live.tar"
    listed "$output" live || die "/live (written while running) is not in the archive"
    ! listed "$output" etc/passwd || die "etc/passwd was deleted in the running container"
    is "$(tar -xOf "$OUT/live.tar" live)" "live"
    run_berth container inspect --format '{{.State.Status}}' live
    is "$output" "running" "still running after the export"
    # The container still works (its own overlay is untouched).
    run_berth stop -t 0 live
    export_to "$OUT/stopped.tar" live
    is "$(tar_names "$OUT/stopped.tar" | grep -c -x live)" "1" "after the stop as well"
    assert_no_export_leftovers
}

@test "export -o: a new file, a replaced file, nothing left on failure" {
    run_berth create --name target $IMAGE true
    run_berth export -o "$OUT/new.tar" target
    is "$output" ""
    tar -tf "$OUT/new.tar" >/dev/null || die "-o did not write a valid tar"
    assert "$(tar_names "$OUT/new.tar" | grep -c .)" -gt 100 "the whole busybox rootfs"
    echo old >"$OUT/old.tar"
    chmod 0600 "$OUT/old.tar"
    run_berth export --output "$OUT/old.tar" target
    tar -tf "$OUT/old.tar" >/dev/null || die "an existing file was not replaced by the tar"
    is "$(stat -c %a "$OUT/old.tar")" "600" "an existing file keeps its mode"
    run_berth export -o /dev/null target
    run_berth 125 export -o "$OUT/a:b.tar" target
    is "$output" "Error: invalid filename (should not contain ':') \"$OUT/a:b.tar\""
    run_berth 125 export -o "$OUT/no-such-dir/x.tar" target
    assert "$output" =~ "No such file or directory"
    is "$(cd "$OUT" && ls -A | tr '\n' ' ')" "new.tar old.tar " "no temporary files left"
}

@test "export: unknown container, arguments, terminal" {
    run_berth 125 export -o "$OUT/none.tar" nosuch
    is "$output" 'Error: no container with name or ID "nosuch" found: no such container'
    [[ ! -e "$OUT/none.tar" ]] || die "a file was created for an unknown container"
    run_berth 125 export
    is "$output" "Error: accepts 1 arg(s), received 0"
    run_berth 125 export a b
    is "$output" "Error: accepts 1 arg(s), received 2"

    command -v script >/dev/null || skip "script (util-linux) is not installed"
    run_berth create --name tty $IMAGE true
    run script -qec "$BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT export tty" /dev/null
    assert "$status" == 125 "exit status"
    is "$(tr -d '\r' <<<"$output")" "Error: refusing to export to terminal. Use -o flag or redirect"
    # Checked before the container is looked up, as Podman does.
    run script -qec "$BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT export nosuch" /dev/null
    is "$(tr -d '\r' <<<"$output")" "Error: refusing to export to terminal. Use -o flag or redirect"
}

@test "export | import: the tar makes a working image" {
    run_berth run --name src $IMAGE sh -c 'echo roundtrip >/etc/marker'
    berth_raw export src | berth_raw import - localhost/exported:latest >/dev/null ||
        die "export | import failed"
    run_berth run --rm localhost/exported:latest cat /etc/marker
    is "$output" "roundtrip"
    run_berth rmi localhost/exported:latest
    assert_no_export_leftovers
}
