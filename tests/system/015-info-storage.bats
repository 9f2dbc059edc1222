#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# berth info's store section: the graph driver berth will mount container
# root filesystems with, found by test mounts (native overlay, then
# fuse-overlayfs, then vfs), as Podman reports it.

load helpers

# True when native overlay can be mounted here the way berth needs it:
# rootless in a new user namespace with userxattr, as root in a new mount
# namespace. Checked with util-linux's unshare, independently of berth.
function native_overlay_works() {
    local d=$1
    mkdir -p "$d/l" "$d/u" "$d/w" "$d/m"
    local opts="lowerdir=$d/l,upperdir=$d/u,workdir=$d/w"
    local ns=(-m)
    if is_rootless; then
        opts+=",userxattr"
        ns=(-Urm)
    fi
    unshare "${ns[@]}" sh -c "mount -t overlay overlay -o '$opts' '$d/m'" 2>/dev/null
}

@test "info: graph driver is overlay where native overlay mounts, with Podman's status fields" {
    local expect=vfs
    if native_overlay_works "$BATS_TEST_TMPDIR/check"; then
        expect=overlay
    fi

    run_berth info --format '{{.Store.GraphDriverName}}'
    is "$output" "$expect" "graph driver (a native overlay test mount said: $expect)"

    run_berth info --format json
    local json=$output
    is "$(jq -r '.store.graphDriverName' <<<"$json")" "$expect" "graphDriverName in json"
    is "$(jq -c '.store.graphOptions' <<<"$json")" "{}" "no graph options for native overlay or vfs"
    if [[ $expect == overlay ]]; then
        is "$(jq -c '.store.graphStatus | keys' <<<"$json")" \
            '["Backing Filesystem","Native Overlay Diff","Supports d_type","Using metacopy"]' \
            "graphStatus keys as Podman's overlay driver"
        is "$(jq -r '.store.graphStatus["Native Overlay Diff"]' <<<"$json")" "true" "native diff"
        local fs
        fs=$(stat -f -c %T "$BERTH_TEST_ROOT")
        if [[ $fs == ext2/ext3 ]]; then
            is "$(jq -r '.store.graphStatus["Backing Filesystem"]' <<<"$json")" "extfs" \
                "containers/storage's name for ext4"
        fi
    else
        is "$(jq -c '.store.graphStatus' <<<"$json")" "{}" "vfs has no status"
    fi

    # In the YAML-like default output too.
    run_berth info
    assert "$output" =~ "graphDriverName: $expect" "info text shows the driver"
}

@test "info: the probe leaves nothing in the store and is cached on the run root" {
    run_berth info --format '{{.Store.GraphDriverName}}'
    local first=$output

    local leftovers
    leftovers=$(find "$BERTH_TEST_ROOT" -maxdepth 2 -name '.berth-probe-*')
    assert "$leftovers" == "" "no probe directory left in the graph root"
    [[ -f "$BERTH_TEST_RUNROOT/graph-driver.json" ]] || die "no cache file on the run root"
    is "$(jq -r .driver "$BERTH_TEST_RUNROOT/graph-driver.json")" "($first|fuse-overlayfs)" \
        "cached driver"

    # A forged cache entry for this store is believed: the probe is not rerun.
    local cache=$BERTH_TEST_RUNROOT/graph-driver.json
    cp "$cache" "$BATS_TEST_TMPDIR/cache.orig"
    jq -c '.driver = "vfs"' "$BATS_TEST_TMPDIR/cache.orig" >"$cache"
    run_berth info --format '{{.Store.GraphDriverName}}'
    is "$output" "vfs" "the cached answer is used"
    cp "$BATS_TEST_TMPDIR/cache.orig" "$cache"
    run_berth info --format '{{.Store.GraphDriverName}}'
    is "$output" "$first" "same answer as the first probe"
}

@test "info: a store that does not exist yet is probed without creating it" {
    local parent=$BATS_TEST_TMPDIR/parent
    mkdir -p "$parent"
    run "$BERTH" --root "$parent/store" --runroot "$BERTH_TEST_RUNROOT" info \
        --format '{{.Store.GraphDriverName}}'
    assert "$status" -eq 0 "info on a missing store: $output"
    assert "$output" =~ "^(overlay|vfs)$" "a driver is reported"
    is "$(ls -A "$parent")" "" "nothing created in the store's parent"
}

# As root: a graph root on overlayfs, which native overlay cannot use as an
# upper layer (the kernel says "not supported as upperdir"). fuse-overlayfs
# can; without it on PATH, vfs is left.
@test "info: a store on overlayfs falls back to fuse-overlayfs, else vfs (root)" {
    skip_if_rootless "mounting the store's own overlay needs root"
    local t=$BATS_TEST_TMPDIR/ovl
    mkdir -p "$t/l" "$t/u" "$t/w" "$t/m"
    mount -t overlay overlay -o "lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m"
    mkdir -p "$t/m/store" "$t/run"

    local fuse
    fuse=$(command -v fuse-overlayfs || true)
    if [[ -n $fuse && -w /dev/fuse ]]; then
        run "$BERTH" --root "$t/m/store" --runroot "$t/run" info --format json
        assert "$status" -eq 0 "info with the store on overlayfs: $output"
        local json=$output
        is "$(jq -r .store.graphDriverName <<<"$json")" "overlay" "Podman's name with a mount_program"
        is "$(jq -r '.store.graphOptions["overlay.mount_program"].Executable' <<<"$json")" "$fuse" \
            "the mount program"
        is "$(jq -r '.store.graphStatus["Native Overlay Diff"]' <<<"$json")" "false" "not native"
        is "$(jq -r '.store.graphStatus["Backing Filesystem"]' <<<"$json")" "overlayfs" "backing fs"
        run "$BERTH" --root "$t/m/store" --runroot "$t/run" info \
            --format '{{index .Store.GraphOptions "overlay.mount_program"}}'
        assert "$output" =~ "Executable:$fuse" "the Go map key is kept for templates"
    fi

    # Without fuse-overlayfs on PATH (the cache notices the change): vfs.
    run env PATH=/nonexistent "$BERTH" --root "$t/m/store" --runroot "$t/run" info --format json
    local rc=$status json=$output
    umount "$t/m"
    assert "$rc" -eq 0 "info without fuse-overlayfs: $json"
    is "$(jq -r .store.graphDriverName <<<"$json")" "vfs" "vfs is left"
    is "$(jq -c .store.graphStatus <<<"$json")" "{}" "vfs has no status"
}
