#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# berth unshare and the rootless user namespace held by berth-pause.

load helpers

@test "unshare as root is refused" {
    skip_if_rootless "root-only behaviour"
    run_berth 125 unshare id
    is "$output" "Error: please use unshare with rootless" "root is told to use rootless"
}

@test "unshare: uid 0 inside, the user and the subordinate range mapped" {
    skip_if_root "rootless only"
    local uid gid
    uid=$(id -u)
    gid=$(id -g)
    run_berth unshare cat /proc/self/uid_map
    local map=$output
    # First line: 0 -> our own uid, size 1.
    assert "$(awk 'NR==1 {print $1, $2, $3}' <<<"$map")" == "0 $uid 1" "own uid mapped to 0"
    local sub_start sub_count
    sub_start=$(awk -F: -v u="$(id -un)" '$1 == u {print $2; exit}' /etc/subuid)
    sub_count=$(awk -F: -v u="$(id -un)" '$1 == u {print $3; exit}' /etc/subuid)
    if [[ -n "$sub_start" ]]; then
        assert "$(awk 'NR==2 {print $1, $2, $3}' <<<"$map")" == "1 $sub_start $sub_count" \
            "subordinate range mapped from 1"
    fi
    run_berth unshare cat /proc/self/gid_map
    assert "$(awk 'NR==1 {print $1, $2, $3}' <<<"$output")" == "0 $gid 1" "own gid mapped to 0"

    run_berth unshare id -u
    is "$output" "0" "id -u inside"
}

@test "unshare: the namespace persists in berth-pause and is joined, not recreated" {
    skip_if_root "rootless only"
    run_berth unshare readlink /proc/self/ns/user
    local first_ns=$output
    local pidfile=$BERTH_TEST_RUNROOT/pause.pid
    [[ -f $pidfile ]] || die "no $pidfile after unshare"
    local pause_pid
    pause_pid=$(cut -d' ' -f1 "$pidfile")
    is "$(cat /proc/$pause_pid/comm)" "berth-pause" "the holder runs berth-pause"
    is "$(readlink /proc/$pause_pid/ns/user)" "$first_ns" "the holder is in the namespace"

    run_berth unshare readlink /proc/self/ns/user
    is "$output" "$first_ns" "second call joins the same namespace"
    is "$(cut -d' ' -f1 "$pidfile")" "$pause_pid" "same holder"

    # If berth-pause is gone, the next call makes a new one with the same map.
    run_berth unshare cat /proc/self/uid_map
    local map=$output
    kill "$pause_pid"
    local i
    for i in $(seq 50); do
        [[ "$(awk '{print $3}' /proc/$pause_pid/stat 2>/dev/null)" =~ ^(Z|X|)$ ]] && break
        sleep 0.1
    done
    run_berth unshare cat /proc/self/uid_map
    is "$output" "$map" "the new namespace has the same mapping"
    local new_pid
    new_pid=$(cut -d' ' -f1 "$pidfile")
    assert "$new_pid" != "$pause_pid" "a new berth-pause was started"
    is "$(cat /proc/$new_pid/comm)" "berth-pause" "the new holder runs berth-pause"
}

@test "unshare: environment, exit codes of the command" {
    skip_if_root "rootless only"
    run_berth unshare sh -c 'echo "$CONTAINERS_GRAPHROOT $CONTAINERS_RUNROOT"'
    is "$output" "$BERTH_TEST_ROOT $BERTH_TEST_RUNROOT" "store paths exported"
    run_berth 3 unshare sh -c 'exit 3'
    run_berth 127 unshare /no/such/program
    is "$output" "Error: exec '/no/such/program': No such file or directory" "not found"
    run_berth 126 unshare /etc/passwd
    assert "$output" =~ "Permission denied" "cannot be invoked"
    run_berth 125 unshare --bogus
    is "$output" "Error: unknown flag: --bogus" "unknown flag before the command"
}
