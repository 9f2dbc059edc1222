#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# pod logs, root and rootless: every member's lines merged in time order
# and prefixed as Podman does, -c, --names, --tail, -t, --since/--until,
# --color, -f until every container has exited, and bad input.

load helpers
busybox_pod_tests

IMAGE=localhost/busybox:latest

@test "pod logs: members' lines in time order, short-id prefix; -c, --names, --tail, -t, --color" {
    run_berth pod create --name plogs
    run_berth run --pod plogs --name logs-first $IMAGE sh -c 'echo a1; echo a2 >&2'
    run_berth run --pod plogs --name logs-second $IMAGE sh -c 'echo b1'
    run_berth inspect --format '{{.Id}}' logs-first
    local a=${output:0:12}
    run_berth inspect --format '{{.Id}}' logs-second
    local b=${output:0:12}

    run_berth pod logs plogs
    is "$output" "$a a1
$a a2
$b b1" "every member (the infra logs nothing), prefixed with the short id"
    run_berth --separate-stderr pod logs plogs
    is "$output" "$a a1
$b b1" "stdout lines on stdout"
    is "$stderr" "$a a2" "stderr lines on stderr"

    run_berth pod logs --names plogs
    is "$output" "logs-first a1
logs-first a2
logs-second b1" "--names"
    run_berth pod logs -c logs-first plogs
    is "$output" "a1
a2" "-c: one container, no prefix"
    run_berth pod logs -c "$b" --names plogs
    is "$output" "b1" "-c takes an id"
    run_berth pod logs --tail 1 plogs
    is "$output" "$a a2
$b b1" "--tail counts per container"
    run_berth pod logs -n 0 plogs
    is "$output" "" "-n 0"
    run_berth pod logs -t -c logs-second plogs
    assert "$output" =~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2}) b1$' "-t"
    run_berth pod logs -t plogs
    assert "${lines[2]}" =~ "^$b [0-9]{4}-[^ ]+ b1$" "-t after the prefix"
    run_berth pod logs --since 1h plogs
    is "${#lines[@]}" 3 "--since 1h: all"
    run_berth pod logs --until 1h plogs
    is "$output" "" "--until 1h: none"
    run_berth pod logs --since "$(date -d '+1 hour' +%s)" plogs
    is "$output" "" "--since the future: none"

    run_berth --separate-stderr pod logs --color plogs
    # The infra is the first container (light gray); the members follow.
    is "$output" $'\033[31m'"$a a1"$'\033[0m\n\033[33m'"$b b1"$'\033[0m' "--color"

    run_berth pod logs -l
    is "${#lines[@]}" 3 "--latest"
}

@test "pod logs -f follows every member until all containers have exited" {
    run_berth pod create --name pfollow --exit-policy stop
    run_berth run -d --pod pfollow --name follow-x $IMAGE sh -c 'echo x1; sleep 3; echo x2'
    run_berth run -d --pod pfollow --name follow-y $IMAGE sh -c 'echo y1; sleep 1; echo y2'
    run_berth pod logs -f --names pfollow
    is "$output" "follow-x x1
follow-y y1
follow-y y2
follow-x x2" "both followed at once, in time order, to the end"
    run_berth pod inspect --format '{{.State}}' pfollow
    is "$output" "Exited" "it returned once every container (the infra too) had exited"
}

@test "logs -f of several containers follows them at once" {
    run_berth run -d --name multi-x $IMAGE sh -c 'echo x1; sleep 4; echo x2'
    run_berth run -d --name multi-y $IMAGE sh -c 'echo y1; sleep 1; echo y2'
    run_berth logs -f --names multi-x multi-y
    is "$output" "multi-x x1
multi-y y1
multi-y y2
multi-x x2" "not one container after the other"
}

@test "pod logs bad input: one-line errors, exit 125" {
    run_berth pod create --name pbad
    run_berth create --name outsider $IMAGE true

    run_berth 125 pod logs
    is "$output" "Error: specify at least one pod name or ID to log"
    run_berth 125 pod logs pbad other
    is "$output" "Error: requires exactly 1 arg"
    run_berth 125 pod logs nopod
    is "$output" "Error: no pod with name or ID nopod found: no such pod"
    run_berth 125 pod logs -c nosuch pbad
    is "$output" "Error: container nosuch is not in pod pbad: no such container"
    run_berth 125 pod logs -c outsider pbad
    is "$output" "Error: container outsider is not in pod pbad: no such container"
    run_berth 125 pod logs --tail abc pbad
    is "$output" 'Error: invalid argument "abc" for "-n, --tail" flag'
    run_berth 125 pod logs --since yesterday pbad
    assert "$output" =~ '^Error: .*yesterday' "a bad --since names the value"
    is "${#lines[@]}" 1 "one line"
    run_berth 125 pod logs -l pbad
    is "$output" "Error: --all, --latest and pods cannot be used together"
}
