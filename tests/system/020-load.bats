#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# berth load: docker-archive and oci-archive into the OCI-layout store.
# Fixtures come from tests/fixtures/make-images.sh, built once by
# contrib/test.sh into $BERTH_FIXTURES.

load helpers

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    # shellcheck disable=SC1091
    source "$BERTH_FIXTURES/digests.env"
    FIX=$BERTH_FIXTURES
}

# Entries of index.json: "<digest> <ref.name or ->", one per line.
function index_entries() {
    jq -r '.manifests[] | "\(.digest) \(.annotations["org.opencontainers.image.ref.name"] // "-")"' \
        "$BERTH_TEST_ROOT/images/index.json"
}

function layer_count() {
    find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -not -name '.*' | wc -l
}

function fresh_store() {
    if is_rootless; then
        # Layer files belong to subordinate ids: remove them from inside.
        $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" unshare \
            rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    else
        rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    fi
}

@test "load docker-archive: named, readable by skopeo, config digest kept" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    is "$output" "Loaded image: localhost/busybox:latest" "load output"
    run skopeo inspect --raw "oci:$BERTH_TEST_ROOT/images:localhost/busybox:latest"
    assert "$status" == 0 "skopeo reads the store: $output"
    is "$(jq -r .config.digest <<<"$output")" "$BUSYBOX_CONFIG_DIGEST" "config digest"
    run skopeo inspect "oci:$BERTH_TEST_ROOT/images:localhost/busybox:latest"
    is "$(jq -r .Architecture <<<"$output")" "amd64" "skopeo inspect"
    # The extracted layer holds busybox.
    local layer
    layer=$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -not -name '.*')
    [[ -x "$layer/diff/bin/busybox" ]] || die "no bin/busybox in $layer/diff"
    # A copy out of the store is a valid image too.
    run skopeo copy "oci:$BERTH_TEST_ROOT/images:localhost/busybox:latest" \
        "dir:$BATS_TEST_TMPDIR/copy"
    assert "$status" == 0 "skopeo copy from the store: $output"
}

@test "load oci-archive from gzip stdin: manifest digest kept, bare tag gives no name" {
    fresh_store
    run_berth load < <(gzip -c "$FIX/busybox-oci-archive.tar")
    is "$output" "Loaded image: sha256:${BUSYBOX_CONFIG_DIGEST#sha256:}" "unnamed image"
    is "$(index_entries)" "$BUSYBOX_MANIFEST_DIGEST -" "index entry: same manifest digest, no name"
}

@test "layers are stored once per chain id and shared between images" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    is "$(layer_count)" 1 "busybox: one layer"
    run_berth load -i "$FIX/other-docker-archive.tar"
    is "$(layer_count)" 2 "other shares the base layer"
    run_berth load -i "$FIX/layers-docker-archive.tar"
    is "$(layer_count)" 4 "layers adds two"
    # Loading again changes nothing.
    run_berth load -i "$FIX/layers-docker-archive.tar"
    is "$(layer_count)" 4 "reload adds no layer"
    is "$(index_entries | wc -l)" 3 "three names"
}

@test "whiteouts, opaque dirs, links, setuid and ownership land as overlay wants" {
    fresh_store
    run_berth load -i "$FIX/layers-oci-archive.tar"
    local d
    # Layer 3 of 'layers' has the whiteout and the opaque marker; find it.
    for d in "$BERTH_TEST_ROOT"/layers/*/diff; do
        [[ -e "$d/data/b.txt" ]] && top=$d
        [[ -e "$d/data/a.txt" ]] && mid=$d
    done
    [[ -n "${top:-}" && -n "${mid:-}" ]] || die "layers 2 and 3 not found"
    is "$(stat -c '%F %t:%T' "$top/data/keep.txt")" "character special file 0:0" "whiteout"
    [[ ! -e "$top/data/.wh.keep.txt" ]] || die "whiteout file itself extracted"
    [[ ! -e "$top/opt/dir/.wh..wh..opq" ]] || die "opaque marker extracted"
    local xattr=trusted.overlay.opaque
    is_rootless && xattr=user.overlay.opaque
    run getfattr --absolute-names --only-values -n "$xattr" "$top/opt/dir"
    is "$output" "y" "opaque xattr $xattr"
    is "$(stat -c %h "$mid/data/a.txt")" 2 "hard link kept"
    is "$(readlink "$mid/data/link")" "a.txt" "symlink kept"
    is "$(stat -c %a "$mid/data/suid")" 4755 "setuid kept"
    local expect1000=1000 expect65534=65534
    if is_rootless; then
        local start
        start=$(awk -F: -v u="$(id -un)" '$1 == u {print $2; exit}' /etc/subuid)
        expect1000=$((start + 999))
        expect65534=$((start + 65533))
    fi
    is "$(stat -c %u "$mid/data/owned-1000")" "$expect1000" "uid 1000 on the host"
    is "$(stat -c %u "$mid/data/owned-65534")" "$expect65534" "uid 65534 on the host"
}

@test "hostile archives: exit 125, the entry named, nothing visible, no leftovers" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    local before
    before=$(index_entries)
    local layers_before
    layers_before=$(layer_count)
    local what expect
    for what in dotdot:'\.\./x' absolute:'/etc/x' symlink-escape:'a/passwd' \
        hardlink-escape:'etc/passwd' truncated:'layer' bad-digest:'diff id' \
        missing-blob:'no layer' huge-size:'layer'; do
        expect=${what#*:}
        what=${what%%:*}
        run_berth 125 load -i "$FIX/hostile-$what.tar"
        assert "$output" =~ "^Error: " "$what: one Error line"
        assert "$output" =~ "$expect" "$what: error names the problem"
        is "$(index_entries)" "$before" "$what: index unchanged"
        is "$(layer_count)" "$layers_before" "$what: no layer added"
        is "$(ls -A "$BERTH_TEST_ROOT/images/tmp")" "" "$what: no temporary leftovers"
        is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -name '.*')" "" \
            "$what: no temporary layer dirs"
    done
    [[ ! -e /etc/x ]] || die "/etc/x was written"
    run_berth 125 load -i "$FIX/hostile-bad-index-oci-archive.tar"
    assert "$output" =~ "index.json" "bad index.json named"
}

@test "device nodes: created as root, skipped with a warning rootless" {
    fresh_store
    if is_rootless; then
        run_berth load -i "$FIX/hostile-device.tar"
        assert "$output" =~ "dev/null" "warning names the device"
        assert "$output" =~ "skipped" "warning says it was skipped"
    else
        run_berth load -i "$FIX/hostile-device.tar"
        local found
        found=$(find "$BERTH_TEST_ROOT/layers" -path '*/diff/dev/null' -type c | head -1)
        [[ -n "$found" ]] || die "no device node dev/null extracted as root"
    fi
}

@test "bad input: missing file, not an archive, terminal stdin" {
    run_berth 125 load -i /no/such/file.tar
    assert "$output" =~ "^Error: load /no/such/file.tar: " "missing file named"
    printf 'not a tar' >"$BATS_TEST_TMPDIR/junk"
    run_berth 125 load -i "$BATS_TEST_TMPDIR/junk"
    assert "$output" =~ "junk" "junk named"
    run_berth 125 load --bogus
    is "$output" "Error: unknown flag: --bogus" "unknown flag"
}

@test "two loads of different images at once both succeed" {
    fresh_store
    $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" load -i "$FIX/busybox-docker-archive.tar" >"$BATS_TEST_TMPDIR/a" 2>&1 &
    local a=$!
    $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" load -i "$FIX/layers-docker-archive.tar" >"$BATS_TEST_TMPDIR/b" 2>&1 &
    local b=$!
    wait $a || die "first load failed: $(cat "$BATS_TEST_TMPDIR/a")"
    wait $b || die "second load failed: $(cat "$BATS_TEST_TMPDIR/b")"
    is "$(index_entries | awk '{print $2}' | sort | tr '\n' ' ')" \
        "localhost/busybox:latest localhost/layers:latest " "both images listed"
}
