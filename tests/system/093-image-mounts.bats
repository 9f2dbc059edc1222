#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# --mount type=image, root and rootless: another image's root filesystem
# (its layers, whiteouts honoured) at a path in the container, read-only
# unless rw=true (then writes go to an upper of the container's own,
# discarded at the next start); the image is in use while the container
# exists; rm leaves nothing mounted or on disk; bad input.

load helpers

IMAGE=localhost/busybox:latest
LAYERS=localhost/layers:latest

function setup_file() {
    busybox_setup_file
    [[ -r "${BERTH_FIXTURES:-}/layers-docker-archive.tar" ]] || return 0
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        load -i "$BERTH_FIXTURES/layers-docker-archive.tar" >/dev/null
}

function setup() {
    busybox_setup
}

function teardown() {
    remove_all_containers
}

@test "image mount: the image's merged layers, read-only by default" {
    local name
    name=$(safename imgro)
    run_berth run --name "$name" --mount "type=image,source=$LAYERS,destination=/img" $IMAGE \
        sh -c 'cat /img/data/a.txt /img/data/b.txt; ls /img/opt/dir; ls /img/data/keep.txt 2>&1;
               touch /img/data/new 2>&1; grep " /img " /proc/self/mounts | cut -d" " -f3'
    is "${lines[0]}" "a" "a file of the second layer"
    is "${lines[1]}" "b" "a file of the top layer"
    is "${lines[2]}" "y" "an opaque directory shows only the top layer's entries"
    assert "${lines[3]}" =~ "keep.txt: No such file or directory" "a whiteout hides the file"
    assert "${lines[4]}" =~ "Read-only file system" "read-only"
    is "${lines[5]}" "overlay" "mounted as an overlay"

    # A one-layer image (overlay needs a second lower dir without an upper).
    run_berth run --rm --mount "type=image,src=$IMAGE,dst=/other" $IMAGE \
        sh -c 'ls /other/bin/busybox; mkdir /other/x 2>&1; true'
    is "${lines[0]}" "/other/bin/busybox"
    assert "${lines[1]}" =~ "Read-only file system"

    run_berth inspect --format '{{json .Mounts}}' "$name"
    is "$output" "[{\"Type\":\"image\",\"Source\":\"$LAYERS\",\"Destination\":\"/img\",\"Driver\":\"\",\"Mode\":\"\",\"Options\":null,\"RW\":false,\"Propagation\":\"\"}]" \
        "Podman's inspect entry"
}

@test "image mount rw=true: writable, the image untouched, discarded at the next start" {
    local name
    name=$(safename imgrw)
    local marker=written-by-$$-test
    run_berth create --name "$name" --mount "type=image,src=$LAYERS,dst=/img,rw=true" $IMAGE \
        sh -c "cat /img/data/new 2>&1; echo $marker >/img/data/new; rm /img/data/a.txt;
               cat /img/data/new; ls /img/data/a.txt 2>&1; true"
    local id=$output
    run_berth start -a "$name"
    assert "${lines[0]}" =~ "No such file or directory" "nothing from before"
    is "${lines[1]}" "$marker"
    assert "${lines[2]}" =~ "No such file or directory" "removed in the container's view"
    run_berth inspect --format '{{(index .Mounts 0).RW}}' "$name"
    is "$output" "true"

    # The image's layers are not written.
    run grep -rl "$marker" "$BERTH_TEST_ROOT/layers"
    is "$output" "" "no layer holds the container's file"
    run_berth run --rm --mount "type=image,src=$LAYERS,dst=/img" $IMAGE cat /img/data/a.txt
    is "$output" "a" "the image still has the removed file"

    # Podman discards an image mount's upper at each start.
    run_berth start -a "$name"
    assert "${lines[0]}" =~ "No such file or directory" "the last run's write is gone"

    run_berth rm "$name"
    [[ ! -e "$BERTH_TEST_ROOT/containers/$id" ]] || die "rm left the container's directory"
    run_berth ps -a -q --no-trunc
    assert "$output" !~ "$id"
}

@test "image mount: the image is in use while the container exists" {
    local name
    name=$(safename imguse)
    run_berth load -i "$BERTH_FIXTURES/other-docker-archive.tar"
    run_berth create --name "$name" --mount "type=image,src=localhost/other:1.0,dst=/o" $IMAGE \
        cat /o/etc/other-release
    local id=$output
    run_berth start -a "$name"
    is "$output" "other 1.0"
    run_berth 2 image rm localhost/other:1.0
    is "$output" "Error: image used by $id: image is in use by a container: consider listing external containers and force-removing image"
    run_berth image exists localhost/other:1.0
    run_berth image prune -a -f
    run_berth image exists localhost/other:1.0
    # (prune took the unused layers image: the later tests need it)
    run_berth load -i "$BERTH_FIXTURES/layers-docker-archive.tar"

    run_berth rm "$name"
    run_berth image rm localhost/other:1.0
    run_berth 1 image exists localhost/other:1.0
}

@test "image mount: an image that is not there is pulled like run's, or an error" {
    run_berth 125 run --rm --pull=never --mount "type=image,src=localhost/nothere:1,dst=/x" \
        $IMAGE true
    is "$output" "Error: localhost/nothere:1: image not known"
    # The default policy (missing) pulls it, as run's image; there is no
    # registry here, so the pull fails.
    run_berth 125 create --mount "type=image,src=localhost/nothere:1,dst=/x" $IMAGE true
    is "${lines[0]}" "Trying to pull localhost/nothere:1..."
    assert "${lines[-1]}" =~ "^Error: .*localhost/nothere" "the pull's error names the image"
    run_berth ps -a -q
    is "$output" "" "no container made"
}

@test "image mount: bad input is one line, exit 125, nothing made" {
    run_berth 125 run --rm --mount "type=image,src=$IMAGE" $IMAGE true
    is "$output" "Error: must set source and destination for image volume"
    run_berth 125 run --rm --mount "type=image,dst=/x" $IMAGE true
    is "$output" "Error: must set source and destination for image volume"
    run_berth 125 run --rm --mount "type=image,src=$IMAGE,dst=/x,bogus=1" $IMAGE true
    is "$output" "Error: bogus: invalid mount option"
    run_berth 125 run --rm --mount "type=image,src=$IMAGE,dst=/x,rw=maybe" $IMAGE true
    is "$output" 'Error: invalid rw value "maybe": expected true or false: invalid mount option'
    run_berth 125 run --rm --mount "type=image,src=$IMAGE,dst=rel" $IMAGE true
    is "$output" 'Error: invalid container path "rel", must be an absolute path'
    run_berth 125 run --rm --mount "type=image,src=$IMAGE,dst=/x" \
        --mount "type=image,src=$LAYERS,dst=/x" $IMAGE true
    is "$output" "Error: /x: duplicate mount destination"
    run_berth ps -a -q
    is "$output" "" "no container made"
}
