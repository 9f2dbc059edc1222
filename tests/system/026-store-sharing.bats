#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Layers are stored once per chain id, whichever image and archive format
# brought them: the busybox base layer of busybox, other and layers
# (tests/fixtures) is extracted once, its blob kept once per digest.
#
# LAYERS_DIFF_IDS is a space-separated list, split on purpose:
# shellcheck disable=SC2086

load helpers

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    # shellcheck disable=SC1091
    source "$BERTH_FIXTURES/digests.env"
    FIX=$BERTH_FIXTURES
    fresh_store
}

function berth_cmd() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@"
}

# Runs a command where it can read every stored file: rootless, extracted
# layers hold files of subordinate ids (/root is 0700), so inside the user
# namespace.
function in_store_ns() {
    if is_rootless; then
        berth_cmd unshare "$@"
    else
        "$@"
    fi
}

function fresh_store() {
    in_store_ns rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
}

# The stored layers: chain-id hex names, sorted, one a line.
function layer_dirs() {
    find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -not -name '.*' -printf '%f\n' | sort
}

# Bytes used by the stored layers (apparent sizes; hard links once).
function layers_bytes() {
    in_store_ns du -sb "$BERTH_TEST_ROOT/layers" | cut -f1
}

function blob_count() {
    find "$BERTH_TEST_ROOT/images/blobs/sha256" -type f | wc -l
}

# chain_ids DIFFID...: the chain ids (hex) of a layer stack, one a line.
function chain_ids() {
    local chain='' diff
    for diff in "$@"; do
        if [[ -z "$chain" ]]; then
            chain=$diff
        else
            chain=sha256:$(printf '%s %s' "$chain" "$diff" | sha256sum | cut -d' ' -f1)
        fi
        echo "${chain#sha256:}"
    done
}

function index_names() {
    jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"] // "-"' \
        "$BERTH_TEST_ROOT/images/index.json" | sort
}

# Fails unless skopeo reads NAME from the store with config digest CONFIG.
function skopeo_reads() {
    local name=$1 config=$2
    run skopeo inspect --raw "oci:$BERTH_TEST_ROOT/images:$name"
    assert "$status" == 0 "skopeo reads $name: $output"
    is "$(jq -r .config.digest <<<"$output")" "$config" "$name: config digest"
}

@test "a base layer shared by three images is extracted and stored once" {
    local base=${BUSYBOX_DIFF_ID#sha256:}

    run_berth load -i "$FIX/busybox-docker-archive.tar"
    is "$(layer_dirs)" "$base" "busybox: its one layer, named by its chain id (= diff id)"
    local base_bytes
    base_bytes=$(layers_bytes)
    # The base holds the 2 MB busybox binary: the size says it is really there.
    assert "$base_bytes" -gt 2000000 "bytes of the busybox layer"
    is "$(blob_count)" 3 "busybox: manifest, config, layer blobs"

    run_berth load -i "$FIX/other-docker-archive.tar"
    is "$(layer_dirs)" "$(chain_ids "$OTHER_DIFF_ID1" "$OTHER_DIFF_ID2" | sort)" \
        "other: the shared base plus its own layer"
    local other_bytes
    other_bytes=$(layers_bytes)
    # other's own layer is one small file: far less than a second base.
    assert "$((other_bytes - base_bytes))" -lt 100000 "bytes added by other ($other_bytes - $base_bytes)"
    # Its base layer blob has the same digest: stored once, not a fourth blob.
    is "$(blob_count)" 6 "other adds manifest, config and one layer blob"

    run_berth load -i "$FIX/layers-docker-archive.tar"
    local expected
    expected=$( (chain_ids $LAYERS_DIFF_IDS; chain_ids "$OTHER_DIFF_ID1" "$OTHER_DIFF_ID2") | sort -u)
    is "$(layer_dirs)" "$expected" "layers: two layers of its own on the shared base"
    is "$(layer_dirs | wc -l)" 4 "four layer dirs for three images with seven layers"
    local all_bytes
    all_bytes=$(layers_bytes)
    assert "$((all_bytes - other_bytes))" -lt 100000 "bytes added by layers ($all_bytes - $other_bytes)"
    assert "$all_bytes" -lt "$((base_bytes * 2))" "three images use less than two bases"
    is "$(blob_count)" 10 "layers adds manifest, config and two layer blobs"

    is "$(index_names | tr '\n' ' ')" \
        "localhost/busybox:latest localhost/layers:latest localhost/other:1.0 " "three images"
    skopeo_reads localhost/busybox:latest "$BUSYBOX_CONFIG_DIGEST"
    skopeo_reads localhost/other:1.0 "$OTHER_CONFIG_DIGEST"
    skopeo_reads localhost/layers:latest "$LAYERS_CONFIG_DIGEST"
    # Each image's stack starts with the one base dir.
    [[ -x "$BERTH_TEST_ROOT/layers/$base/diff/bin/busybox" ]] || die "no busybox in the base layer"
}

@test "layers are shared by diff id across archive formats: gzip oci-archive on a docker-archive base" {
    local base=${BUSYBOX_DIFF_ID#sha256:}
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    local base_bytes
    base_bytes=$(layers_bytes)
    # The oci-archive's base layer is a gzip blob with another digest, but
    # the same diff id: the layer is not extracted again.
    run_berth load -i "$FIX/layers-oci-archive.tar"
    is "$(layer_dirs)" "$(chain_ids $LAYERS_DIFF_IDS | sort)" "three layer dirs, the base once"
    assert "$(($(layers_bytes) - base_bytes))" -lt 100000 "bytes added by layers"
    # Both blobs of the base are kept: each manifest names its own.
    [[ -f "$BERTH_TEST_ROOT/images/blobs/sha256/$base" ]] || die "uncompressed base blob missing"
    [[ -f "$BERTH_TEST_ROOT/images/blobs/sha256/${LAYERS_LAYER_DIGEST1#sha256:}" ]] ||
        die "gzip base blob missing"
    skopeo_reads localhost/busybox:latest "$BUSYBOX_CONFIG_DIGEST"
    # The oci-archive names its image only "latest": listed without a name.
    is "$(jq -r --arg d "$LAYERS_MANIFEST_DIGEST" '.manifests[] | select(.digest == $d) | .digest' \
        "$BERTH_TEST_ROOT/images/index.json")" "$LAYERS_MANIFEST_DIGEST" "layers listed by its manifest digest"
}

@test "concurrent loads of two images on one base store the base once" {
    local i
    for i in 1 2 3; do
        fresh_store
        berth_cmd load -i "$FIX/other-docker-archive.tar" >"$BATS_TEST_TMPDIR/a" 2>&1 3>&- &
        local a=$!
        berth_cmd load -i "$FIX/layers-docker-archive.tar" >"$BATS_TEST_TMPDIR/b" 2>&1 3>&- &
        local b=$!
        wait $a || die "round $i: loading other failed: $(cat "$BATS_TEST_TMPDIR/a")"
        wait $b || die "round $i: loading layers failed: $(cat "$BATS_TEST_TMPDIR/b")"
        is "$(layer_dirs | wc -l)" 4 "round $i: four layer dirs"
        is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -name '.*')" "" \
            "round $i: the loser's temporary layer dir is gone"
        is "$(ls -A "$BERTH_TEST_ROOT/images/tmp")" "" "round $i: no temporary files"
        is "$(index_names | tr '\n' ' ')" "localhost/layers:latest localhost/other:1.0 " \
            "round $i: both images"
    done
    skopeo_reads localhost/other:1.0 "$OTHER_CONFIG_DIGEST"
    skopeo_reads localhost/layers:latest "$LAYERS_CONFIG_DIGEST"
}

@test "rmi keeps a layer other images use and removes it with the last of them" {
    local base=${BUSYBOX_DIFF_ID#sha256:}
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth load -i "$FIX/other-docker-archive.tar"
    run_berth load -i "$FIX/layers-docker-archive.tar"
    local base_bytes all_bytes
    all_bytes=$(layers_bytes)
    local layers_chain
    layers_chain=$(chain_ids $LAYERS_DIFF_IDS | sort)

    # other: its own layer goes, the base stays for busybox and layers.
    run_berth rmi localhost/other:1.0
    is "$output" "Untagged: localhost/other:1.0
Deleted: $OTHER_IMAGE_ID" "rmi other"
    is "$(layer_dirs)" "$layers_chain" "other's own layer removed, the shared base kept"
    is "$(blob_count)" 7 "other's manifest, config and own layer blob removed"
    [[ ! -e "$BERTH_TEST_ROOT/images/blobs/sha256/${OTHER_CONFIG_DIGEST#sha256:}" ]] ||
        die "other's config blob is still there"
    [[ -f "$BERTH_TEST_ROOT/images/blobs/sha256/$base" ]] || die "the shared base blob was removed"

    # busybox: nothing of the base goes, layers still uses it.
    run_berth rmi localhost/busybox:latest
    is "$(layer_dirs)" "$layers_chain" "the base stays while layers uses it"
    [[ -x "$BERTH_TEST_ROOT/layers/$base/diff/bin/busybox" ]] || die "the base layer lost its files"
    [[ -f "$BERTH_TEST_ROOT/images/blobs/sha256/$base" ]] || die "the base blob was removed"
    is "$(blob_count)" 5 "busybox's manifest and config removed, the layer blob kept"
    skopeo_reads localhost/layers:latest "$LAYERS_CONFIG_DIGEST"
    run_berth images --format '{{.Repository}}:{{.Tag}}'
    is "$output" "localhost/layers:latest" "berth images after two rmis"

    # layers, the last user: everything goes.
    run_berth rmi localhost/layers:latest
    is "$(layer_dirs)" "" "the last image took the shared base with it"
    is "$(blob_count)" 0 "no blob left"
    is "$(jq -c .manifests "$BERTH_TEST_ROOT/images/index.json")" "[]" "index.json lists nothing"
    assert "$(layers_bytes)" -lt 100000 "layer bytes after the last rmi (before: $all_bytes)"
    is "$(find "$BERTH_TEST_ROOT/layers" "$BERTH_TEST_ROOT/images/tmp" -mindepth 1 -maxdepth 1)" "" \
        "no temporary or doomed dirs left"
}

@test "rmi and image prune cope with a .removing- dir a killed removal left behind" {
    # A removal renames a layer to .removing-<chain id> and then deletes it;
    # killed in between, it leaves that dir. A load that started while the
    # removal held the lock skipped its clean-up, waited, and stored the layer
    # again: now the layer and its old .removing- dir both exist (seen with
    # `berth rmi` of a 10,000-file image SIGKILLed 50 ms after a `berth load`
    # of it started). The next removal of the layer meets the old dir under
    # the name it wants. Here that state is made directly.
    local base=${BUSYBOX_DIFF_ID#sha256:}
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    mkdir -p "$BERTH_TEST_ROOT/layers/.removing-$base/diff/bin"
    : >"$BERTH_TEST_ROOT/layers/.removing-$base/diff/bin/half-removed"
    run_berth rmi localhost/busybox:latest
    is "$(layer_dirs)" "" "the layer is removed"
    is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1)" "" "no .removing- dir left"

    run_berth load -i "$FIX/busybox-docker-archive.tar"
    mkdir -p "$BERTH_TEST_ROOT/layers/.removing-$base/diff"
    run_berth untag localhost/busybox:latest
    run_berth image prune -f
    is "$(layer_dirs)" "" "image prune removed the untagged image's layer"
    is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1)" "" "no .removing- dir left"
}
