#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# stats: numbers from the container's cgroup as root, what is missing
# rootless (no cgroup here), formats and bad input.

load helpers

IMAGE=localhost/busybox:latest

# setup_file, setup and teardown of a file of busybox container tests.
busybox_tests

# "12.3MB" (go-units decimal) -> bytes.
function to_bytes() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+ */, "", u)
        m = 1
        if (u == "kB") m = 1e3; else if (u == "MB") m = 1e6; else if (u == "GB") m = 1e9
        printf "%d\n", n * m }'
}

@test "stats: memory grows as the container allocates; pids; net io" {
    local name=stats-mem-$(safename)
    run_berth run -d --name $name $IMAGE sh -c 'sleep 100 & sleep 100 & sleep 1.5; dd if=/dev/zero of=/dev/shm/fill bs=1M count=40 2>/dev/null; sleep 100'
    run_berth --separate-stderr stats --no-stream --format '{{.MemUsage}}|{{.PIDS}}|{{.CPU}}|{{.NetIO}}|{{.BlockIO}}' $name
    IFS='|' read -r mem pids cpu net block <<<"$output"
    assert "$pids" -ge 3 "sh and two sleeps"
    assert "$net" =~ "^[0-9.]+ ?[kMG]?B / [0-9.]+ ?[kMG]?B$|^-- / --$" "net io"
    if is_rootless; then
        is "$mem" "-- / --" "rootless: no memory source"
        is "$block" "-- / --" "rootless: no block io source"
        assert "$stderr" =~ "container $name: the container has no cgroup \(.*\): memory and block I/O are not available" "says why"
        return
    fi
    local first=$(to_bytes "${mem%% / *}")
    assert "$first" -gt 0 "memory in use"
    sleep 2.5
    run_berth stats --no-stream --format '{{.MemUsage}}' $name
    local second=$(to_bytes "${output%% / *}")
    assert "$second" -gt $((first + 30000000)) "40 MB more after the fill"
    run_berth stats --no-stream --format '{{.MemPerc}} {{.CPUPerc}}' $name
    assert "$output" =~ "^[0-9]+\.[0-9]{2}% ([0-9]+\.[0-9]{2}%|--)$"
}

@test "stats: table, json, -a, all running by default" {
    local name=stats-fmt-$(safename)
    run_berth run -d --name $name $IMAGE sh -c 'while :; do :; done'
    local stopped=stats-stopped-$(safename)
    run_berth create --name $stopped $IMAGE true
    run_berth --separate-stderr stats --no-stream
    is "${lines[0]}" "ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET IO +BLOCK IO +PIDS +CPU TIME +AVG CPU %" "header"
    assert "$output" =~ "$name" "the running one"
    assert "$output" !~ "$stopped" "not the created one"
    # A busy loop: CPU % is a number, not --.
    assert "$output" =~ "$name +[0-9]+\.[0-9]{2}%"
    run_berth --separate-stderr stats --no-stream --format json $name
    is "$(jq -r '.[0].name' <<<"$output")" "$name"
    is "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$output")" "id,name,cpu_time,cpu_percent,avg_cpu,mem_usage,mem_percent,net_io,block_io,pids"
    run_berth --separate-stderr stats --no-stream -a --format '{{.Name}} {{.PIDS}}'
    assert "$output" =~ "$stopped --" "-a lists the created one, with no values"
    run_berth rm -f -t 0 $name
}

@test "stats: bad input" {
    local name=stats-bad-$(safename)
    run_berth create --name $name $IMAGE true
    run_berth 125 stats --no-stream $name
    is "$output" "Error: container $name is not running, can't get its stats: container state improper"
    run_berth 125 stats --no-stream no-such-ctr
    assert "$output" =~ "no-such-ctr"
    run_berth 125 stats --no-stream --interval 0
    is "$output" "Error: invalid interval 0: it must be at least 1 (seconds)"
    run_berth 125 stats --no-stream -a $name
    is "$output" "Error: --all and containers cannot be used together"
    run_berth rm $name
}
