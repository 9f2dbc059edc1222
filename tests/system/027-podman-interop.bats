#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Images move between berth and Podman: what `podman save` writes (docker-
# archive, multi-image docker-archive, oci-archive) loads into berth with the
# same image IDs (config digests) and names, and berth's store, copied out
# with skopeo (or pulled from directly as an OCI layout), loads into Podman.
#
# Podman runs with a private --root/--runroot/--tmpdir per test (vfs, as in
# check-images.sh) and, rootless, a private XDG_RUNTIME_DIR per file; the
# pause process rootless podman starts (pid file in --tmpdir) is stopped by
# teardown.

load helpers

function setup_file() {
    basic_setup_file
    PODMAN_XDG=$BATS_FILE_TMPDIR/xdg
    mkdir -p "$PODMAN_XDG"
    chmod 0700 "$PODMAN_XDG"
    export PODMAN_XDG
}

# Stops the rootless podman pause process whose pid file is under DIR (podman
# 4.3 keeps it in --tmpdir: one per test here).
function stop_podman_pause() {
    local pidfile pid
    for pidfile in "$1"/pause.pid "$1"/libpod/tmp/pause.pid; do
        [[ -r "$pidfile" ]] || continue
        pid=$(tr -dc 0-9 <"$pidfile")
        [[ -n "$pid" ]] && _kill_pause "$pid"
    done
    return 0
}

function teardown_file() {
    stop_podman_pause "${PODMAN_XDG:-/nonexistent}"
    basic_teardown_file
}

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    command -v podman >/dev/null || skip "podman is not installed"
    command -v skopeo >/dev/null || skip "skopeo is not installed"
    # shellcheck disable=SC1091
    source "$BERTH_FIXTURES/digests.env"
    FIX=$BERTH_FIXTURES
    PODMAN_DIR=$BATS_TEST_TMPDIR/podman
    fresh_store
}

function teardown() {
    if [[ -n "${OCI_LINK:-}" ]]; then
        rm -f "$OCI_LINK"
    fi
    if [[ -n "${PODMAN_DIR:-}" && -d "$PODMAN_DIR" ]]; then
        # Rootless, podman's layer files belong to subordinate ids.
        if is_rootless; then
            podman_cmd unshare rm -rf "$PODMAN_DIR/root" >/dev/null 2>&1 || true
        fi
        # Rootless podman leaves a pause process holding its user namespace.
        stop_podman_pause "$PODMAN_DIR/tmp"
        rm -rf "$PODMAN_DIR" || true
    fi
}

function berth_cmd() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@"
}

function fresh_store() {
    if is_rootless; then
        berth_cmd unshare rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    else
        rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    fi
}

function podman_cmd() {
    local env=()
    if is_rootless; then
        env=(XDG_RUNTIME_DIR="$PODMAN_XDG")
    fi
    env "${env[@]}" podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" \
        --tmpdir "$PODMAN_DIR/tmp" --storage-driver vfs --events-backend file \
        --cgroup-manager cgroupfs "$@"
}

# run_podman [EXPECTED_RC] ARGS...: podman_cmd via bats' run, logged, and
# failing the test on another exit status.
function run_podman() {
    local expected=0
    if [[ "$1" =~ ^[0-9]+$ ]]; then
        expected=$1
        shift
    fi
    echo "$(timestamp) $_LOG_PROMPT podman $*"
    run podman_cmd "$@" 3>&-
    _log_output
    if [[ "$status" -ne "$expected" ]]; then
        die "podman $*: exit status $status, expected $expected
output: $output"
    fi
}

# The image ID (config digest hex) podman has for NAME.
function podman_id() {
    podman_cmd image inspect --format '{{.ID}}' "$1" 3>&-
}

# Loads the fixtures NAMES... (docker-archives) into this test's podman store.
function podman_fill() {
    local f
    for f in "$@"; do
        run_podman load -q -i "$FIX/$f-docker-archive.tar"
    done
}

# Config digest of NAME in berth's store: from index.json through the
# manifest, as any OCI layout reader finds it.
function berth_config_of() {
    local images=$BERTH_TEST_ROOT/images manifest
    manifest=$(jq -r --arg n "$1" \
        '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
        "$images/index.json")
    [[ -n "$manifest" ]] || die "$1 is not named in berth's index.json: $(cat "$images/index.json")"
    jq -r .config.digest "$images/blobs/sha256/${manifest#sha256:}"
}

# The names in berth's index.json, sorted, space-separated.
function berth_names() {
    jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"] // "-"' \
        "$BERTH_TEST_ROOT/images/index.json" | sort | tr '\n' ' '
}

# Every layer of NAME is extracted under its chain id.
function berth_layers_stored() {
    local config=$1 chain='' diff
    for diff in $(jq -r '.rootfs.diff_ids[]' "$BERTH_TEST_ROOT/images/blobs/sha256/${config#sha256:}"); do
        if [[ -z "$chain" ]]; then
            chain=$diff
        else
            chain=sha256:$(printf '%s %s' "$chain" "$diff" | sha256sum | cut -d' ' -f1)
        fi
        [[ -d "$BERTH_TEST_ROOT/layers/${chain#sha256:}/diff" ]] || die "layer $chain not extracted"
    done
}

@test "podman save docker-archive loads into berth: same image ID and name" {
    podman_fill layers
    local id
    id=$(podman_id localhost/layers:latest)
    is "$id" "$LAYERS_IMAGE_ID" "podman's image ID is the fixture's config digest"

    run_podman save -q --format docker-archive -o "$BATS_TEST_TMPDIR/d.tar" localhost/layers:latest
    run_berth load -i "$BATS_TEST_TMPDIR/d.tar"
    is "$output" "Loaded image: localhost/layers:latest" "berth load of podman's docker-archive"
    is "$(berth_config_of localhost/layers:latest)" "sha256:$id" "berth's image ID is podman's"
    berth_layers_stored "sha256:$id"
    # The whiteouts of layer 3 came through podman's storage and back.
    local top
    top=$BERTH_TEST_ROOT/layers/$(printf '%s %s' \
        "sha256:$(printf '%s %s' "$LAYERS_DIFF_ID1" "$LAYERS_DIFF_ID2" | sha256sum | cut -d' ' -f1)" \
        "$LAYERS_DIFF_ID3" | sha256sum | cut -d' ' -f1)/diff
    is "$(stat -c '%F' "$top/data/keep.txt")" "character special file" "whiteout of layer 3"
}

@test "podman save -m (several images in one docker-archive) loads both into berth" {
    podman_fill busybox other
    run_podman save -q -m --format docker-archive -o "$BATS_TEST_TMPDIR/m.tar" \
        localhost/busybox:latest localhost/other:1.0
    run_berth load -i "$BATS_TEST_TMPDIR/m.tar"
    assert "$output" =~ "Loaded image: localhost/busybox:latest" "busybox loaded"
    assert "$output" =~ "Loaded image: localhost/other:1.0" "other loaded"
    is "$(berth_names)" "localhost/busybox:latest localhost/other:1.0 " "both names"
    is "$(berth_config_of localhost/busybox:latest)" "sha256:$(podman_id localhost/busybox:latest)" \
        "busybox: podman's image ID"
    is "$(berth_config_of localhost/other:1.0)" "sha256:$(podman_id localhost/other:1.0)" \
        "other: podman's image ID"
    # berth images lists the same names and IDs as podman images.
    local fmt='{{.Repository}}:{{.Tag}} {{.ID}}'
    run_podman images --no-trunc --format "$fmt"
    local podman_list
    podman_list=$(sort <<<"$output")
    run_berth images --no-trunc --format "$fmt"
    is "$(sort <<<"$output")" "$podman_list" "berth images and podman images agree"
    berth_layers_stored "$OTHER_CONFIG_DIGEST"
    is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -not -name '.*' | wc -l)" 2 \
        "the shared base is stored once"
}

@test "podman save oci-archive loads into berth: same image ID, name and manifest" {
    podman_fill layers
    local id
    id=$(podman_id localhost/layers:latest)
    run_podman save -q --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" localhost/layers:latest
    local manifest
    manifest=$(tar -xOf "$BATS_TEST_TMPDIR/o.tar" index.json | jq -r '.manifests[0].digest')
    run_berth load -i "$BATS_TEST_TMPDIR/o.tar"
    is "$output" "Loaded image: localhost/layers:latest" "berth load of podman's oci-archive"
    is "$(berth_config_of localhost/layers:latest)" "sha256:$id" "berth's image ID is podman's"
    is "$(jq -r '.manifests[].digest' "$BERTH_TEST_ROOT/images/index.json")" "$manifest" \
        "the archive's manifest is kept byte for byte"
    berth_layers_stored "sha256:$id"
}

@test "berth's store copied out with skopeo loads into podman with the same image ID" {
    run_berth load -i "$FIX/layers-docker-archive.tar"
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth load -i "$FIX/other-docker-archive.tar"
    local name archive
    for name in localhost/busybox:latest localhost/layers:latest localhost/other:1.0; do
        archive=$BATS_TEST_TMPDIR/$(basename "${name%%:*}").tar
        run skopeo copy "oci:$BERTH_TEST_ROOT/images:$name" "docker-archive:$archive:$name"
        assert "$status" == 0 "skopeo copy of $name out of berth's store: $output"
        run_podman load -i "$archive"
        assert "$output" =~ "Loaded image: $name" "podman loads $name"
        is "sha256:$(podman_id "$name")" "$(berth_config_of "$name")" "$name: podman's ID is berth's"
    done
    # An OCI layout is a transport of its own: podman pulls from the store.
    # Podman 4.3 names the pulled image after the layout's path, which must
    # then be lower case: reach the store through a lower-case symlink.
    OCI_LINK=/tmp/berth-oci-$(head -c 4096 /dev/urandom | tr -dc a-z0-9 | head -c 12)
    ln -s "$BERTH_TEST_ROOT/images" "$OCI_LINK"
    run_podman pull -q "oci:$OCI_LINK:localhost/layers:latest"
    is "$output" "$LAYERS_IMAGE_ID" "podman pull oci:<berth store> gives the same ID"
}
