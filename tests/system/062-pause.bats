#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# pause / unpause: freezer cgroup as root here, SIGSTOP/SIGCONT of the pid
# namespace rootless; status, events, stop/kill/rm of a paused container.

load helpers

IMAGE=localhost/busybox:latest

# setup_file, setup and teardown of a file of busybox container tests.
busybox_tests

# The last number the counter container logged.
function last_count() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" logs "$1" | tail -n 1
}

@test "pause freezes a counter, unpause resumes it" {
    local name=pause-ctr-$(safename)
    # A child process counts, so that pid 1 is not the only process: every
    # process of the namespace must stop.
    run_berth run -d --name $name $IMAGE sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done & wait'
    sleep 0.5
    run_berth pause $name
    is "$output" "$name"
    local before=$(last_count $name)
    sleep 1
    is "$(last_count $name)" "$before" "the counter stopped"
    run_berth inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' $name
    is "$output" "paused true false"
    run_berth ps -a --filter name=$name --format '{{.Status}}'
    is "$output" "Paused"
    if ! is_rootless && [[ -d /sys/fs/cgroup/freezer ]]; then
        run_berth inspect --format '{{.State.CgroupPath}}' $name
        is "$(cat /sys/fs/cgroup/freezer$output/freezer.state)" "FROZEN" "the freezer cgroup"
    fi

    run_berth 125 pause $name
    is "$output" "Error: \"paused\" is not running, can't pause: container state improper"
    run_berth unpause $name
    is "$output" "$name"
    sleep 0.5
    local after=$(last_count $name)
    assert "$after" -gt "$before" "the counter runs again"
    run_berth inspect --format '{{.State.Status}} {{.State.Paused}}' $name
    is "$output" "running false"
    run_berth events --stream=false --filter container=$name --filter event=pause --filter event=unpause --format '{{.Status}}'
    is "$(echo $output)" "pause unpause"
    run_berth stop -t 0 $name
}

@test "pause: a process forked while pausing is stopped too" {
    local name=pause-fork-$(safename)
    # Forks a short-lived child in a tight loop: pausing races with it.
    run_berth run -d --name $name $IMAGE sh -c 'while :; do (echo x >/dev/null) ; done'
    sleep 0.3
    run_berth pause $name
    local pid
    pid=$("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" inspect --format '{{.State.Pid}}' $name)
    sleep 0.3
    # Nothing of the container runs: every process is stopped (T) or frozen.
    local ns=$(readlink /proc/$pid/ns/pid) running=""
    for p in /proc/[0-9]*; do
        [[ "$(readlink $p/ns/pid 2>/dev/null)" == "$ns" ]] || continue
        local state=$(awk '{print $3}' $p/stat 2>/dev/null)
        if is_rootless; then
            [[ "$state" == T || "$state" == Z || -z "$state" ]] || running+=" ${p#/proc/}:$state"
        fi
    done
    is "$running" "" "no process of the container left running"
    run_berth unpause $name
    run_berth rm -f -t 0 $name
}

@test "paused: stop refused, kill and rm -f work" {
    local name=pause-rm-$(safename)
    run_berth run -d --name $name $IMAGE sleep 100
    local cid="$output"
    run_berth pause $name
    run_berth 125 stop -t 0 $name
    is "$output" "Error: can only stop created or running containers. $cid is in state paused: container state improper"
    run_berth 2 rm $name
    assert "$output" =~ "running or paused containers cannot be removed without force"
    run_berth rm -f -t 0 $name
    run_berth ps -a -q --filter name=$name
    is "$output" "" "removed"
    run_berth events --stream=false --filter container=$name --filter event=died --format '{{.Status}}'
    is "$output" "died"

    local other=pause-kill-$(safename)
    run_berth run -d --name $other $IMAGE sleep 100
    run_berth pause $other
    run_berth kill $other
    if ! is_rootless; then
        # Frozen tasks act on signals once thawed (freezer); rootless,
        # SIGKILL ends a SIGSTOPped process at once.
        run_berth unpause $other
    fi
    run_berth wait $other
    is "$output" "137" "SIGKILL ends a paused container"
    run_berth rm $other
}

@test "pause/unpause: bad states and names" {
    local name=pause-bad-$(safename)
    run_berth create --name $name $IMAGE true
    run_berth 125 pause $name
    is "$output" "Error: \"created\" is not running, can't pause: container state improper"
    run_berth 125 unpause $name
    local cid=$("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" inspect --format '{{.Id}}' $name)
    is "$output" "Error: \"$cid\" is not paused, can't unpause: container state improper"
    run_berth 125 pause no-such-ctr
    assert "$output" =~ "no-such-ctr"
    run_berth 125 unpause
    is "$output" "Error: you must provide at least one container name or id"
    run_berth rm $name
}
