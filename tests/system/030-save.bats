#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# berth save: docker-archive, oci-archive, oci-dir, docker-dir, checked with
# skopeo, `berth load` into a fresh store and `podman load` (a private vfs
# store), against what `podman save` writes.

load helpers

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    # shellcheck disable=SC1091
    source "$BERTH_FIXTURES/digests.env"
    FIX=$BERTH_FIXTURES
    OUT=$BATS_TEST_TMPDIR/out
    mkdir -p "$OUT"
}

function teardown() {
    podman_cleanup
}

# A fresh store with busybox and, with "all", other:1.0 and the 3-layer image.
function fresh_store() {
    if is_rootless; then
        $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" unshare \
            rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers" "$BERTH_TEST_ROOT/other-store"
    else
        rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers" "$BERTH_TEST_ROOT/other-store"
    fi
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    if [[ "${1:-}" == all ]]; then
        run_berth load -i "$FIX/other-docker-archive.tar"
        run_berth load -i "$FIX/layers-docker-archive.tar"
    fi
}

# berth with this file's store, output not captured (binary archives).
function berth_raw() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@"
}

# A second berth store, for loading what was saved.
function berth_other() {
    "$BERTH" --root "$BERTH_TEST_ROOT/other-store" --runroot "$BERTH_TEST_RUNROOT/other" "$@"
}

# podman with a private store (vfs works rootless too) and a private
# XDG_RUNTIME_DIR, so its rootless pause process can be found and ended.
function podman_private() {
    mkdir -p -m 0700 "$BATS_TEST_TMPDIR/podman-xdg"
    XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/podman-xdg podman --root "$BATS_TEST_TMPDIR/podman-root" \
        --runroot "$BATS_TEST_TMPDIR/podman-run" --storage-driver vfs "$@"
}

# Skips the rest of the test when podman cannot run here.
function require_podman() {
    command -v podman >/dev/null || skip "podman is not installed"
    local out
    if ! out=$(podman_private info --format '{{.Store.GraphDriverName}}' 2>&1); then
        skip "podman cannot run in this environment: $(head -1 <<<"$out")"
    fi
}

function podman_cleanup() {
    [[ -d "$BATS_TEST_TMPDIR/podman-xdg" ]] || return 0
    if [[ -d "$BATS_TEST_TMPDIR/podman-root" ]]; then
        if is_rootless; then
            podman_private unshare rm -rf "$BATS_TEST_TMPDIR/podman-root" \
                "$BATS_TEST_TMPDIR/podman-run" >/dev/null 2>&1 || true
        fi
        rm -rf "$BATS_TEST_TMPDIR/podman-root" "$BATS_TEST_TMPDIR/podman-run" 2>/dev/null || true
    fi
    local pidfile=$BATS_TEST_TMPDIR/podman-xdg/libpod/tmp/pause.pid
    if [[ -r "$pidfile" ]]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
    rm -rf "$BATS_TEST_TMPDIR/podman-xdg" 2>/dev/null || true
}

# Image ids (config digests) of the images listed in a store, sorted.
function store_ids() {
    local root=$1 digest
    for digest in $(jq -r '.manifests[].digest' "$root/images/index.json" | sort -u); do
        jq -r .config.digest "$root/images/blobs/sha256/${digest#sha256:}"
    done | sort
}

# Nothing but `expected` (a sorted, space-separated list) in $OUT.
function assert_out_dir() {
    is "$(ls -A "$OUT" | tr '\n' ' ')" "${1:-}" "files in the output directory"
}

@test "save docker-archive: podman's layout, skopeo reads it, berth loads the same image" {
    fresh_store
    run_berth save -o "$OUT/b.tar" busybox
    is "$output" "" "save prints nothing"
    local diff=${BUSYBOX_DIFF_ID#sha256:}
    run tar -tf "$OUT/b.tar"
    is "$(grep -v / <<<"$output" | sort | tr '\n' ' ')" \
        "$diff.tar $BUSYBOX_IMAGE_ID.json manifest.json repositories " "entries"
    # Docker's legacy per-layer entries.
    is "$(grep / <<<"$output" | sed 's|^[0-9a-f]\{64\}/||' | sort | tr '\n' ' ')" \
        "VERSION json layer.tar " "legacy entries"
    run tar -xOf "$OUT/b.tar" manifest.json
    is "$output" "[{\"Config\":\"$BUSYBOX_IMAGE_ID.json\",\"RepoTags\":[\"localhost/busybox:latest\"],\"Layers\":[\"$diff.tar\"]}]" \
        "manifest.json"
    # The layer is uncompressed: its digest is the diff id.
    is "sha256:$(tar -xOf "$OUT/b.tar" "$diff.tar" | sha256sum | cut -d' ' -f1)" "$BUSYBOX_DIFF_ID" \
        "layer tar is the uncompressed layer"
    run tar -xOf "$OUT/b.tar" repositories
    assert "$output" =~ '^\{"localhost/busybox":\{"latest":"[0-9a-f]{64}"\}\}$' "repositories"
    run skopeo inspect "docker-archive:$OUT/b.tar"
    assert "$status" == 0 "skopeo reads it: $output"
    is "$(jq -c .Layers <<<"$output")" "[\"$BUSYBOX_DIFF_ID\"]" "skopeo: layers"
    is "$(jq -r .RepoTags[0] <<<"$output")" "null" "skopeo: no tags listed for an archive"
    run skopeo inspect --config --raw "docker-archive:$OUT/b.tar"
    is "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" "$BUSYBOX_CONFIG_DIGEST" \
        "config bytes kept"
    run berth_other load -i "$OUT/b.tar"
    is "$output" "Loaded image: localhost/busybox:latest" "loads into a fresh store"
    is "$(store_ids "$BERTH_TEST_ROOT/other-store")" "$BUSYBOX_CONFIG_DIGEST" "same image id"
}

@test "save by id: no RepoTags; extra arguments are tags; -m saves several images" {
    fresh_store all
    run_berth save -o "$OUT/id.tar" "${BUSYBOX_IMAGE_ID:0:12}"
    is "$(tar -xOf "$OUT/id.tar" manifest.json | jq -c '.[0].RepoTags')" "[]" "by id: no tag"
    is "$(tar -xOf "$OUT/id.tar" repositories)" "{}" "by id: empty repositories"
    # Without -m the other names are tags for the first image (Podman).
    run_berth save -o "$OUT/tags.tar" busybox foo bar:2 'BAD name'
    is "$(tar -xOf "$OUT/tags.tar" manifest.json | jq -c '[.[] | .RepoTags]')" \
        '[["localhost/foo:latest","localhost/bar:2","localhost/busybox:latest"]]' "additional tags"
    # -m: several images, a shared layer stored once.
    run_berth save -m -o "$OUT/multi.tar" busybox localhost/other:1.0 "$LAYERS_IMAGE_ID"
    run tar -xOf "$OUT/multi.tar" manifest.json
    is "$(jq -c '[.[] | .RepoTags]' <<<"$output")" \
        '[["localhost/busybox:latest"],["localhost/other:1.0"],[]]' \
        "RepoTags, in order; none for the image named by id"
    is "$(jq -r '.[1].Layers[0]' <<<"$output")" "${BUSYBOX_DIFF_ID#sha256:}.tar" "shared layer path"
    is "$(tar -tf "$OUT/multi.tar" | grep -c "^${BUSYBOX_DIFF_ID#sha256:}.tar$")" 1 "shared layer once"
    run berth_other load -i "$OUT/multi.tar"
    assert "$status" == 0 "loads back: $output"
    is "$(store_ids "$BERTH_TEST_ROOT/other-store" | tr '\n' ' ')" \
        "$(printf '%s\n' "$BUSYBOX_CONFIG_DIGEST" "$OTHER_CONFIG_DIGEST" "$LAYERS_CONFIG_DIGEST" | sort | tr '\n' ' ')" \
        "all three images load back with their ids"
    run skopeo inspect "docker-archive:$OUT/multi.tar:localhost/other:1.0"
    is "$(jq -c .Layers <<<"$output")" "[\"$OTHER_DIFF_ID1\",\"$OTHER_DIFF_ID2\"]" "skopeo picks one"
}

@test "save oci-archive: blobs and manifest as stored, the name as ref.name" {
    fresh_store all
    run_berth save --format oci-archive -o "$OUT/o.tar" localhost/layers
    local manifest
    manifest=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "localhost/layers:latest") | .digest' \
        "$BERTH_TEST_ROOT/images/index.json")
    run tar -xOf "$OUT/o.tar" index.json
    is "$(jq -c '.manifests[] | [.mediaType, .digest, .annotations]' <<<"$output")" \
        "[\"application/vnd.oci.image.manifest.v1+json\",\"$manifest\",{\"org.opencontainers.image.ref.name\":\"localhost/layers:latest\"}]" \
        "index.json"
    is "$(jq -c 'keys' <<<"$output")" '["manifests","schemaVersion"]' "index.json fields"
    is "$(tar -xOf "$OUT/o.tar" oci-layout)" '{"imageLayoutVersion": "1.0.0"}' "oci-layout"
    run skopeo inspect "oci-archive:$OUT/o.tar"
    assert "$status" == 0 "skopeo reads it: $output"
    is "$(jq -r .Digest <<<"$output")" "$manifest" "manifest digest kept"
    run berth_other load -i "$OUT/o.tar"
    is "$output" "Loaded image: localhost/layers:latest" "loads back"
    is "$(jq -r '.manifests[0].digest' "$BERTH_TEST_ROOT/other-store/images/index.json")" "$manifest" \
        "same manifest digest in the other store"
    # To standard output, compressed on the way.
    berth_raw save --format oci-archive busybox | gzip >"$OUT/o.tar.gz"
    run skopeo inspect --raw "oci-archive:$OUT/o.tar.gz"
    assert "$status" == 0 "gzip stream readable: $output"
}

@test "save oci-dir: a new layout, then a second image added to it" {
    fresh_store all
    run_berth save --format oci-dir -o "$OUT/layout" busybox
    run skopeo inspect "oci:$OUT/layout:localhost/busybox:latest"
    is "$(jq -c .Layers <<<"$output")" "[\"$BUSYBOX_DIFF_ID\"]" "skopeo reads the layout"
    run_berth image save --format oci-dir -o "$OUT/layout" localhost/other:1.0
    run jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$OUT/layout/index.json"
    is "$(tr '\n' ' ' <<<"$output")" "localhost/busybox:latest localhost/other:1.0 " "both listed"
    run skopeo inspect "oci:$OUT/layout:localhost/other:1.0"
    assert "$status" == 0 "the second image reads: $output"
    # Saving busybox again replaces its entry instead of adding one.
    run_berth save --format oci-dir -o "$OUT/layout" busybox
    is "$(jq '.manifests | length' "$OUT/layout/index.json")" 2 "no duplicate entry"
    assert_out_dir "layout "
    run_berth 125 save --format oci-dir busybox
    is "$output" "Error: --format oci-dir writes a directory: name it with -o DIR" "needs -o"
}

@test "save docker-dir: skopeo's dir: layout, --compress, replaced only when it is one" {
    fresh_store all
    run_berth save --format docker-dir -o "$OUT/dir" busybox
    is "$(cat "$OUT/dir/version")" "Directory Transport Version: 1.1" "version file"
    run skopeo inspect "dir:$OUT/dir"
    assert "$status" == 0 "skopeo reads it: $output"
    is "$(jq -c .Layers <<<"$output")" "[\"$BUSYBOX_DIFF_ID\"]" "uncompressed layer as stored"
    is "$(jq -r .mediaType "$OUT/dir/manifest.json")" \
        "application/vnd.docker.distribution.manifest.v2+json" "Docker schema 2"
    # --compress gzips it; the old content of the dir is replaced.
    run_berth save --format docker-dir --compress -o "$OUT/dir" busybox
    run jq -r '.layers[0].mediaType' "$OUT/dir/manifest.json"
    is "$output" "application/vnd.docker.image.rootfs.diff.tar.gzip" "gzip layer"
    local digest
    digest=$(jq -r '.layers[0].digest' "$OUT/dir/manifest.json")
    [[ -e "$OUT/dir/${digest#sha256:}" && ! -e "$OUT/dir/${BUSYBOX_DIFF_ID#sha256:}" ]] ||
        die "the directory was not replaced: $(ls "$OUT/dir")"
    is "sha256:$(gzip -dc "$OUT/dir/${digest#sha256:}" | sha256sum | cut -d' ' -f1)" \
        "$BUSYBOX_DIFF_ID" "gzip of the same layer"
    mkdir "$OUT/precious" && echo data >"$OUT/precious/file"
    run_berth 125 save --format docker-dir -o "$OUT/precious" busybox
    is "$output" "Error: docker-dir \"$OUT/precious\": not a containers image directory, don't want to overwrite important data"
    is "$(cat "$OUT/precious/file")" "data" "left alone"
    run_berth 125 save --compress -o "$OUT/x.tar" busybox
    is "$output" "Error: --compress can only be set when --format is 'docker-dir'"
    assert_out_dir "dir precious "
}

@test "podman loads berth's archives: same image ids, same docker-archive content as podman save" {
    fresh_store all
    require_podman
    run_berth save -o "$OUT/b.tar" busybox
    run_berth save -m -o "$OUT/m.tar" localhost/layers localhost/other:1.0
    run_berth save --format oci-archive -o "$OUT/o.tar" localhost/layers
    run podman_private load -q -i "$OUT/b.tar"
    assert "$status" == 0 "podman load docker-archive: $output"
    is "$output" "Loaded image: localhost/busybox:latest" "podman load"
    run podman_private load -q -i "$OUT/m.tar"
    assert "$status" == 0 "podman load multi-image docker-archive: $output"
    run podman_private images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}'
    is "$(sort <<<"$output" | tr '\n' ' ')" \
        "localhost/busybox:latest sha256:$BUSYBOX_IMAGE_ID localhost/layers:latest sha256:$LAYERS_IMAGE_ID localhost/other:1.0 sha256:$OTHER_IMAGE_ID " \
        "the same ids in podman"
    # What podman writes from those images is what berth wrote.
    mkdir "$OUT/berth" "$OUT/podman"
    podman_private save -q -m -o "$OUT/pm.tar" localhost/layers localhost/other:1.0
    tar -C "$OUT/berth" -xf "$OUT/m.tar"
    tar -C "$OUT/podman" -xf "$OUT/pm.tar"
    run diff -r "$OUT/berth" "$OUT/podman"
    is "$output" "" "berth's docker-archive has podman's content"
    podman_private rmi -a -f >/dev/null
    run podman_private load -q -i "$OUT/o.tar"
    assert "$status" == 0 "podman load oci-archive: $output"
    run podman_private images --no-trunc --format '{{.ID}}'
    is "$output" "sha256:$LAYERS_IMAGE_ID" "oci-archive: same id"
}

@test "save errors: Podman's messages, exit 125, nothing written" {
    fresh_store
    run_berth 125 save -o "$OUT/x.tar" nosuch
    is "$output" "Error: nosuch: image not known"
    run_berth 125 save -m -o "$OUT/x.tar" busybox nosuch
    is "$output" "Error: nosuch: image not known"
    run_berth 125 save --format tar -o "$OUT/x.tar" busybox
    is "$output" "Error: format value must be one of oci-dir oci-archive docker-dir docker-archive"
    run_berth 125 save -m --format oci-archive -o "$OUT/x.tar" busybox busybox
    is "$output" "Error: unsupported format \"oci-archive\" for saving multiple images (only docker-archive)"
    run_berth 125 save -o "$OUT/x.tar"
    is "$output" "Error: need at least 1 argument"
    run_berth 125 save -o "$OUT/a:b.tar" busybox
    is "$output" "Error: invalid filename (should not contain ':') \"$OUT/a:b.tar\""
    run_berth 125 save -o "$OUT" busybox
    is "$output" "Error: opening file \"$OUT\": is a directory"
    run_berth 125 save -o "$OUT/no/such/dir/x.tar" busybox
    assert "$output" =~ "^Error: opening file \"$OUT/no/such/dir/x.tar\": .*No such file or directory" \
        "missing directory"
    run_berth 125 save busybox foo@sha256:0000000000000000000000000000000000000000000000000000000000000000 -o "$OUT/x.tar"
    assert "$output" =~ '^Error: invalid additional tag "foo@sha256:0+": normalized to untagged "localhost/foo@sha256:0+"$'
    assert_out_dir ""
    # A non-empty file is not overwritten by a docker-archive (as Podman).
    echo keep >"$OUT/keep.tar"
    run_berth 125 save -o "$OUT/keep.tar" busybox
    is "$output" "Error: docker-archive doesn't support modifying existing images"
    is "$(cat "$OUT/keep.tar")" "keep" "file untouched"
    # An empty one, a device, a FIFO are fine.
    : >"$OUT/empty.tar"
    run_berth save -o "$OUT/empty.tar" busybox
    run_berth save -o /dev/null busybox
    assert_out_dir "empty.tar keep.tar "
}

@test "save to a terminal is refused; to a pipe it streams" {
    fresh_store
    run script -qec "$BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT save busybox" /dev/null
    assert "$status" == 125 "exit status"
    is "$(tr -d '\r' <<<"$output")" "Error: refusing to save to terminal. Use -o flag or redirect"
    berth_raw save busybox | tar -t >"$OUT/list"
    assert "$(grep -c . "$OUT/list")" -eq 7 "streamed archive has 7 entries"
}

@test "a corrupt blob fails the save, naming it, and leaves nothing behind" {
    fresh_store
    local blob=$BERTH_TEST_ROOT/images/blobs/sha256/${BUSYBOX_DIFF_ID#sha256:}
    [[ -f "$blob" ]] || die "busybox's layer blob is not where expected: $blob"
    if is_rootless; then
        berth_raw unshare sh -c "printf X | dd of='$blob' bs=1 seek=600 conv=notrunc status=none"
    else
        printf X | dd of="$blob" bs=1 seek=600 conv=notrunc status=none
    fi
    run_berth 125 save -o "$OUT/c.tar" busybox
    assert "$output" =~ "^Error: layer $BUSYBOX_DIFF_ID in the store is corrupt" "names the layer"
    run_berth 125 save --format oci-archive -o "$OUT/c.tar" busybox
    assert "$output" =~ "^Error: blob $BUSYBOX_DIFF_ID in the store is corrupt" "oci-archive too"
    run_berth 125 save --format oci-dir -o "$OUT/dir" busybox
    assert_out_dir ""
}
