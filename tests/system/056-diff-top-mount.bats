#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# berth diff (A/C/D against the image, --format json), berth top (psgo
# descriptors from /proc, pids and users as the container sees them) and
# berth mount / unmount (counted mounts; rootless only under berth unshare,
# where a mount survives from one berth unshare to the next).

load helpers

IMAGE=localhost/busybox:latest

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
    busybox_setup
    B="$BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT"
}

function teardown() {
    # A mounted container is unmounted by rm.
    $B rm -a -f -t 0 >/dev/null 2>&1 || true
}

# in_ns COMMAND: a shell command where berth may mount: inside `berth
# unshare` rootless, as it is as root.
function in_ns() {
    if is_rootless; then
        run_berth "${expect_rc:-0}" unshare sh -c "$1"
    else
        run sh -c "$1"
        [[ $status -eq ${expect_rc:-0} ]] || die "exit status $status, expected ${expect_rc:-0}: $1: $output"
    fi
}

CHANGES='echo x >/etc/added; echo y >>/etc/passwd; rm /bin/ls; mkdir -p /newdir/sub; touch /newdir/sub/f; rm -r /home; mkdir /home; touch /home/n'

@test "diff: added, changed and deleted paths, as Podman lists them" {
    run_berth run --name diff-ctr $IMAGE sh -c "$CHANGES"
    run_berth diff diff-ctr
    is "$output" "C /bin
D /bin/ls
C /etc
A /etc/added
C /etc/passwd
D /home
A /home/n
A /newdir
A /newdir/sub
A /newdir/sub/f" "exited container"
    run_berth container diff --format json diff-ctr
    is "$output" '{"changed":["/bin","/etc","/etc/passwd"],"added":["/etc/added","/home/n","/newdir","/newdir/sub","/newdir/sub/f"],"deleted":["/bin/ls","/home"]}'

    # A running container, and its runtime files (/etc/hosts, ...) left out.
    run_berth run -d --name diff-run $IMAGE sh -c 'touch /tmp/new; rm /etc/group; sleep 1000'
    sleep 0.5
    run_berth diff diff-run
    is "$output" "C /etc
D /etc/group
C /tmp
A /tmp/new" "running container"

    # Nothing changed yet.
    run_berth create --name diff-new $IMAGE true
    run_berth diff diff-new
    is "$output" "" "created container"
    run_berth diff --format json diff-new
    is "$output" "{}" "created container, json"

    # An image: its top layer against the ones below (a whiteout, an opaque
    # directory, new files).
    run_berth diff localhost/layers:latest
    is "$output" "A /data/b.txt
D /data/keep.txt
D /opt/dir
A /opt/dir/y" "image"

    run_berth 125 diff --format table diff-ctr
    is "$output" "Error: only supported value for '--format' is 'json'"
    run_berth 125 diff no-such-ctr
    is "$output" 'Error: no container with name or ID "no-such-ctr" found: no such container'
}

@test "top: psgo's columns, pids and users as the container sees them" {
    run_berth run -d --name top-ctr --user 1000 $IMAGE sh -c 'sleep 1000 & exec sleep 999'
    sleep 0.5
    run_berth top top-ctr
    is "$(echo "${lines[0]}" | tr -s ' ')" "USER PID PPID %CPU ELAPSED TTY TIME COMMAND" "default header"
    is "${#lines[@]}" "3" "two processes"
    assert "$(echo "${lines[1]}" | tr -s ' ')" =~ "^user 1 0 0\.000 [0-9.]+[mµn]?s \? 0s sleep 999$" "pid 1"
    assert "$(echo "${lines[2]}" | tr -s ' ')" =~ "^user 2 1 0\.000 [0-9.]+[mµn]?s \? 0s sleep 1000$" "its child"
    # Podman's tabwriter: columns of at least 12, padded by 2.
    assert "${lines[0]}" =~ "^USER        PID         PPID        %CPU  " "column widths"

    # Descriptors by name, AIX code, comma-separated; the host's view.
    run_berth container top top-ctr pid,%U comm hpid huser group seccomp state nice
    is "$(echo "${lines[0]}" | tr -s ' ')" "PID USER COMMAND HPID HUSER GROUP SECCOMP STATE NI"
    local row
    row=$(echo "${lines[1]}" | tr -s ' ')
    local hpid
    hpid=$(echo "$row" | cut -d' ' -f4)
    [[ "$(cat /proc/$hpid/comm)" == sleep ]] || die "hpid $hpid is not the container's sleep"
    local huser
    if is_rootless; then
        huser=$(awk -F: -v u="$(grep "^$(id -un):" /etc/subuid | cut -d: -f2)" \
            '$3 == u + 999 { print $1; f=1 } END { if (!f) print u + 999 }' /etc/passwd)
    else
        huser=$(getent passwd 1000 | cut -d: -f1)
        huser=${huser:-1000}
    fi
    is "$row" "1 user sleep $hpid $huser user filter S 0" "named descriptors"

    run_berth 125 top top-ctr pid bogus
    is "$output" "Error: 'bogus': unknown descriptor"
    # ps(1) options are not run through a ps in the container.
    run_berth 125 top top-ctr -eo pid
    is "$output" "Error: '-eo': unknown descriptor"
    run_berth top --latest pid
    is "$output" $'PID\n1\n2' "--latest: the most recent container"
    run_berth stop -t 0 top-ctr
    run_berth 125 top top-ctr
    is "$output" "Error: top can only be used on running containers"
    run_berth create --name top-created $IMAGE true
    run_berth 125 top top-created
    is "$output" "Error: top can only be used on running containers"
    run_berth 125 top no-such-ctr
    is "$output" 'Error: no container with name or ID "no-such-ctr" found: no such container'
}

@test "mount: counted mounts of a container's root filesystem" {
    run_berth create --name mnt-ctr $IMAGE cat /tmp/written
    local id
    id=$($B inspect --format '{{.Id}}' mnt-ctr)
    local mp=$BERTH_TEST_ROOT/containers/$id/merged

    in_ns "$B mount mnt-ctr"
    is "$output" "$mp" "mount point"
    # Write through the mount; the container sees it.
    in_ns "echo through-mount >$mp/tmp/written; $B mount; $B mount --notruncate"
    is "${lines[0]}" "${id:0:12}  $mp" "listed"
    is "${lines[1]}" "$id  $mp" "listed, full id"
    run_berth start -a mnt-ctr
    is "$output" "through-mount" "the container reads what was written"
    # Still mounted in a later command (rootless: a later berth unshare).
    in_ns "$B mount --format json"
    assert "$output" =~ "\"id\": \"$id\"" "json id"
    assert "$output" =~ "\"mountpoint\": \"$mp\"" "json mount point"
    expect_rc=125 in_ns "$B mount --format '{{.ID}}'"
    assert "$output" =~ 'Error: unknown --format argument: "\{\{.ID\}\}"' "bad format"

    # Counted: a second mount needs a second unmount.
    in_ns "$B mount mnt-ctr; $B unmount mnt-ctr; cat $mp/etc/group | head -1"
    is "${lines[1]}" "mnt-ctr" "unmount prints the name"
    is "${lines[2]}" "root:x:0:" "still mounted after one of two unmounts"
    in_ns "$B umount mnt-ctr; $B mount; ls $mp 2>/dev/null | wc -l"
    is "${lines[0]}" "mnt-ctr" "umount alias"
    is "${lines[1]}" "0" "unmounted: nothing listed, nothing under the mount point"
    # Not mounted: not an error.
    in_ns "$B container unmount mnt-ctr"
    is "$output" "mnt-ctr"
    expect_rc=125 in_ns "$B unmount"
    is "$output" "Error: you must provide at least one name or ID"
    expect_rc=125 in_ns "$B mount no-such-ctr"
    is "$output" 'Error: no container with name or ID "no-such-ctr" found: no such container'

    # --force drops every count; rm of a mounted container unmounts it.
    in_ns "$B mount mnt-ctr; $B mount mnt-ctr; $B unmount --force mnt-ctr; $B mount"
    is "${#lines[@]}" "3" "two mounts, one forced unmount, empty list"
    in_ns "$B mount mnt-ctr"
    run_berth rm mnt-ctr
    in_ns "grep -c ' $mp ' /proc/self/mountinfo || true"
    is "$output" "0" "rm unmounted it"
}

@test "mount: rootless only under berth unshare" {
    skip_if_root
    run_berth create --name mnt-rl $IMAGE true
    run_berth 125 mount mnt-rl
    is "$output" 'Error: cannot run command "berth mount" in rootless mode, must execute `berth unshare` first'
    run_berth 125 mount
    is "$output" 'Error: cannot run command "berth mount" in rootless mode, must execute `berth unshare` first'
    run_berth 125 unmount mnt-rl
    is "$output" 'Error: cannot run command "berth unmount" in rootless mode, must execute `berth unshare` first'
    # Mounted under berth unshare, removed from outside: the mount goes too.
    run_berth unshare sh -c "$B mount mnt-rl"
    local mp=$output
    run_berth rm mnt-rl
    run_berth unshare sh -c "grep -c ' $mp ' /proc/self/mountinfo || true"
    is "$output" "0" "no mount left in berth-pause's namespace"
}
