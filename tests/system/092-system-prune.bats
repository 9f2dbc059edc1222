#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# system prune, root and rootless: what goes (stopped containers, pods with
# nothing running, dangling or unused images, unused networks, unused
# volumes only with --volumes), what stays (running containers, the images and volumes they
# use), Podman's headings and reclaimed-space line, the confirmation prompt,
# bad input.

load helpers
busybox_tests

IMAGE=localhost/busybox:latest

function teardown() {
    remove_all_containers
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        volume rm -a -f >/dev/null 2>&1 || true
    # The tests share the file's store: put back an image a prune removed
    # (nothing to put back when the tests were skipped for lack of fixtures).
    [[ -n "${BERTH_FIXTURES:-}" ]] || return 0
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" image exists $IMAGE ||
        "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
            load -i "$BERTH_FIXTURES/busybox-docker-archive.tar" >/dev/null
}

@test "system prune: stopped containers and dangling images go, running ones and volumes stay" {
    source "$BERTH_FIXTURES/digests.env"
    run_berth load -i "$BERTH_FIXTURES/layers-docker-archive.tar"
    run_berth untag localhost/layers
    run_berth volume create keep-me
    run_berth run --name stopped -v used:/data $IMAGE sh -c 'head -c 100000 /dev/zero >/big'
    stopped_id=$("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" inspect --format '{{.Id}}' stopped)
    run_berth run -d --name running $IMAGE sleep 100
    run_berth pod create --name idle-pod
    pod_id=$output
    run_berth network create --subnet 10.89.250.0/24 idle-net

    run_berth system prune -f
    is "${lines[0]}" "Deleted Containers" "containers heading"
    is "${lines[1]}" "$stopped_id" "the stopped container (not the pod's infra)"
    is "${lines[2]}" "Deleted Pods" "pods heading"
    is "${lines[3]}" "$pod_id" "the pod nothing runs in"
    is "${lines[4]}" "Deleted Images" "images heading"
    is "${lines[5]}" "$LAYERS_IMAGE_ID" "the dangling image"
    is "${lines[6]}" "Deleted Networks" "networks heading"
    is "${lines[7]}" "idle-net" "the network no container uses"
    assert "${lines[8]}" =~ "^Total reclaimed space: [0-9.]+ [kMG]?B$" "reclaimed line"
    # The container's 100 kB file and the layers image both count.
    assert "${lines[8]}" !~ "space: [0-9.]+ B$" "more than bytes reclaimed"
    is "${#lines[@]}" 9 "nothing else printed"
    run_berth 1 pod exists idle-pod
    run_berth 1 network exists idle-net

    run_berth ps -a --format '{{.Names}}'
    is "$output" "running" "the running container stays"
    run_berth volume ls -q
    is "$(sort <<<"$output" | tr '\n' ' ')" "keep-me used " "volumes stay without --volumes"
    run_berth image exists $IMAGE

    run_berth system prune -f
    is "$output" "Total reclaimed space: 0 B" "nothing left to prune"
}

@test "system prune --volumes -a: unused volumes and unused images go" {
    source "$BERTH_FIXTURES/digests.env"
    run_berth volume create unused
    run_berth run -d --name holder -v held:/data $IMAGE sleep 100
    run_berth system prune -f --volumes -a
    is "$output" "Deleted Volumes
unused
Total reclaimed space: 0 B" "only the unused volume; the image is in use"
    run_berth volume exists held
    run_berth image exists $IMAGE

    run_berth rm -f -t 0 holder
    run_berth system prune -f --volumes -a
    is "${lines[0]}" "Deleted Volumes" "volumes heading"
    is "${lines[1]}" "held" "the now unused volume"
    is "${lines[2]}" "Deleted Images" "images heading"
    is "${lines[3]}" "$BUSYBOX_IMAGE_ID" "-a: the image no container uses"
    run_berth 1 image exists $IMAGE
}

@test "system prune: the prompt, and bad input" {
    run_berth run --name stopped $IMAGE true
    run_berth system prune <<<"n"
    is "$output" "WARNING! This command removes:
	- all stopped containers
	- all networks not used by at least one container
	- all dangling images

Are you sure you want to continue? [y/N] " "declined: Podman's warning"
    run_berth container exists stopped

    run_berth system prune --volumes -a <<<"n"
    assert "$output" =~ "	- all volumes not used by at least one container" "--volumes is announced"
    assert "$output" =~ "	- all images without at least one container associated with them" "-a is announced"

    run_berth 125 system prune </dev/null
    assert "$output" =~ "Error: EOF" "end of input is an error"
    run_berth container exists stopped

    run_berth system prune <<<"yes"
    assert "$output" =~ "Deleted Containers" "yes goes on"
    run_berth 1 container exists stopped

    run_berth 125 system prune extra
    is "$output" 'Error: `berth system prune` takes no arguments' "no arguments"
    run_berth 125 system prune --bogus
    assert "$output" =~ "^Error: .*bogus" "unknown flag named"
}
