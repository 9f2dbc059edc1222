#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# pod create --userns, root and rootless: host (the user's namespace, as
# every berth container) works; the modes that need a namespace of the
# pod's own are refused with one line, exit 125, nothing made.

load helpers
busybox_pod_tests

IMAGE=localhost/busybox:latest

@test "pod create --userns=host: members run in the user's namespace" {
    run_berth pod create --name nshost --userns=host
    run_berth run --rm --pod nshost $IMAGE cat /proc/self/uid_map
    local inside=$output
    if is_rootless; then
        # The user's namespace: root is the user, the rest its subordinate ids.
        assert "$inside" =~ "^ +0 +$(id -u) +1" "root is the user"
    else
        is "$(echo $inside)" "0 0 4294967295" "root's own namespace"
    fi
    run_berth pod inspect nshost
    is "$(jq -r .InfraConfig.userns <<<"$output")" "host"
}

@test "pod create --userns: unsupported and bad modes are refused, nothing made" {
    if is_rootless; then
        run_berth 125 pod create --name nsbad --userns=keep-id
        is "$output" "Error: --userns keep-id: not supported by berth yet: a pod's containers run in the user's namespace (host)"
    else
        run_berth 125 pod create --name nsbad --userns=keep-id
        is "$output" "Error: keep-id is only supported in rootless mode"
    fi
    run_berth 125 pod create --name nsbad --userns=auto:size=1000
    is "$output" "Error: --userns auto:size=1000: not supported by berth yet: a pod's containers run in the user's namespace (host)"
    run_berth 125 pod create --name nsbad --userns=bogus
    is "$output" "Error: unrecognized namespace mode bogus passed"
    run_berth pod ps -q
    is "$output" "" "no pod"
    run_berth ps -a -q
    is "$output" "" "no container"
}
