#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# berth import: a rootfs tarball into a one-layer image, with the config
# Podman's import writes (same image id), --change and --message.

load helpers

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    # shellcheck disable=SC1091
    source "$BERTH_FIXTURES/digests.env"
    FIX=$BERTH_FIXTURES
    ROOTFS=$FIX/busybox-rootfs.tar
}

function teardown() {
    podman_cleanup
}

function fresh_store() {
    if is_rootless; then
        $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" unshare \
            rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    else
        rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    fi
}

# The stored config of an image, by name (skopeo reads the store's layout).
function image_config() {
    skopeo inspect --config --raw "oci:$BERTH_TEST_ROOT/images:$1"
}

# The config blob of the image with id $1.
function config_of_id() {
    cat "$BERTH_TEST_ROOT/images/blobs/sha256/$1"
}

# index.json entries: "<ref.name or -> <config digest>".
function index_entries() {
    jq -r '.manifests[] | "\(.annotations["org.opencontainers.image.ref.name"] // "-") \(.annotations["io.berth.image.config"])"' \
        "$BERTH_TEST_ROOT/images/index.json"
}

# GOARCH of this machine, as the config records it.
function go_arch() {
    case $(uname -m) in
        x86_64) echo amd64 ;;
        aarch64) echo arm64 ;;
        i?86) echo 386 ;;
        *) uname -m ;;
    esac
}

function podman_private() {
    mkdir -p -m 0700 "$BATS_TEST_TMPDIR/podman-xdg"
    XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/podman-xdg podman --root "$BATS_TEST_TMPDIR/podman-root" \
        --runroot "$BATS_TEST_TMPDIR/podman-run" --storage-driver vfs "$@"
}

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

@test "import a file: one uncompressed layer, extracted; Podman's config; unnamed" {
    fresh_store
    run_berth import "$ROOTFS"
    assert "$output" =~ '^sha256:[0-9a-f]{64}$' "prints the image id"
    local id=${output#sha256:}
    is "$(index_entries)" "- sha256:$id" "listed without a name"
    local config
    config=$(config_of_id "$id")
    is "$(jq -c .rootfs <<<"$config")" "{\"type\":\"layers\",\"diff_ids\":[\"$BUSYBOX_DIFF_ID\"]}" "rootfs"
    is "$(jq -r '.architecture + " " + .os' <<<"$config")" "$(go_arch) linux" "platform"
    is "$(jq -c .config <<<"$config")" "{}" "no run settings"
    # created: the tarball's modification time, as Podman's tarball transport.
    is "$(jq -r .created <<<"$config")" "$(date -u -r "$ROOTFS" +%Y-%m-%dT%H:%M:%S)(\.[0-9]+)?Z" \
        "created = the file's mtime"
    is "$(jq -c '.history[0] | [.created_by, .comment]' <<<"$config")" \
        "[\"/bin/sh -c #(nop) ADD file:${BUSYBOX_DIFF_ID#sha256:} in /\",\"imported from tarball\"]" \
        "history"
    # The layer blob is the uncompressed tar; the layer is extracted.
    local blob=$BERTH_TEST_ROOT/images/blobs/sha256/${BUSYBOX_DIFF_ID#sha256:}
    is "$(sha256sum <"$blob" | cut -d' ' -f1)" "${BUSYBOX_DIFF_ID#sha256:}" "layer blob"
    local diff=$BERTH_TEST_ROOT/layers/${BUSYBOX_DIFF_ID#sha256:}/diff
    [[ -x "$diff/bin/busybox" ]] || die "no bin/busybox in $diff"
    is "$(readlink "$diff/bin/sh")" "busybox" "symlinks kept"
    is "$(jq -r .diff_id "$BERTH_TEST_ROOT/layers/${BUSYBOX_DIFF_ID#sha256:}/layer.json")" \
        "$BUSYBOX_DIFF_ID" "layer.json"
    # Owners land as on load: mapped into the subordinate range rootless.
    local expect=1000
    if is_rootless; then
        expect=$(($(awk -F: -v u="$(id -un)" '$1 == u {print $2; exit}' /etc/subuid) + 999))
    fi
    is "$(stat -c %u "$diff/home/user")" "$expect" "uid 1000 in the image"
    # Importing it again gives the same image and reuses the layer.
    run_berth import "$ROOTFS"
    is "$output" "sha256:$id" "same id again"
    is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 | wc -l)" 1 "one layer dir"
    is "$(ls -A "$BERTH_TEST_ROOT/images/tmp")" "" "no temporary leftovers"
}

@test "import from gzip stdin, named, with --change and --message" {
    fresh_store
    run_berth image import -q \
        -c 'CMD ["/bin/echo","hi"]' -c 'ENV A=b C=d' -c 'EXPOSE 443/udp' -c 'LABEL "x"="y z"' \
        -c 'USER 1000' -c 'VOLUME /data /d2' -c 'WORKDIR /w' -c 'WORKDIR sub' \
        -c 'ENTRYPOINT /bin/sh -c' -c 'STOPSIGNAL SIGTERM' -c 'ONBUILD RUN x' \
        --message "my message" - myimp < <(gzip -c "$ROOTFS")
    assert "$output" =~ '^sha256:[0-9a-f]{64}$' "prints the id (even with -q)"
    local id=${output#sha256:}
    is "$(index_entries)" "localhost/myimp:latest sha256:$id" "named as Podman names it"
    run image_config localhost/myimp:latest
    assert "$status" == 0 "skopeo reads the config: $output"
    is "$(jq -c .config <<<"$output")" \
        '{"User":"1000","ExposedPorts":{"443/udp":{}},"Env":["A=b C=d"],"Entrypoint":["/bin/sh","-c","/bin/sh -c"],"Cmd":["/bin/echo","hi"],"Volumes":{"/d2":{},"/data":{}},"WorkingDir":"/w/sub","Labels":{"x":"y z"},"StopSignal":"15"}' \
        "the changes, as Podman stores them (ONBUILD dropped)"
    is "$(jq -r '.history[0].comment' <<<"$output")" "my message" "--message in history"
    is "$(jq -c .rootfs.diff_ids <<<"$output")" "[\"$BUSYBOX_DIFF_ID\"]" "gzip undone: the diff id"
    # Standard input has no mtime: created is now.
    local created
    created=$(jq -r .created <<<"$output")
    assert "$(($(date -u +%s) - $(date -u -d "$created" +%s)))" -lt 120 "created is recent"
    # The name moves to a newer import.
    run_berth import "$ROOTFS" myimp
    is "$(index_entries | sort | tr '\n' ' ')" \
        "- sha256:$id localhost/myimp:latest ${output} " "the name moved, the old image stays"
    run_berth import --arch arm64 --os linux --variant v8 "$ROOTFS" localhost/multi/arch:1
    run image_config localhost/multi/arch:1
    is "$(jq -r '.architecture + " " + .os + " " + .variant' <<<"$output")" "arm64 linux v8" \
        "--arch, --os, --variant"
}

@test "import: the same image id as podman import of the same file" {
    fresh_store
    require_podman
    cp -p "$ROOTFS" "$BATS_TEST_TMPDIR/rootfs.tar"
    local changes=(-c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' -c 'EXPOSE 8080' -c 'WORKDIR /srv'
        -c 'STOPSIGNAL RTMIN+3' -c 'LABEL a=<b&c>')
    run_berth import "${changes[@]}" -m "same as podman" "$BATS_TEST_TMPDIR/rootfs.tar" mine
    local ours=$output
    run podman_private import -q "${changes[@]}" -m "same as podman" "$BATS_TEST_TMPDIR/rootfs.tar"
    assert "$status" == 0 "podman import: $output"
    is "$(tail -1 <<<"$output")" "$ours" "same image id as podman"
    run_berth import "$BATS_TEST_TMPDIR/rootfs.tar"
    ours=$output
    run podman_private import -q "$BATS_TEST_TMPDIR/rootfs.tar"
    is "$(tail -1 <<<"$output")" "$ours" "same image id as podman, no changes"
}

@test "import errors: Podman's messages, exit 125, nothing stored" {
    fresh_store
    run_berth import "$ROOTFS" keep
    local before
    before=$(index_entries)
    run_berth 125 import -c 'EXPOSE 0' "$ROOTFS"
    is "$output" 'Error: invalid change "EXPOSE 0" - EXPOSE port must be a valid port number'
    run_berth 125 import --change 'FOO bar' "$ROOTFS"
    is "$output" 'Error: invalid change "FOO bar" - invalid instruction FOO'
    run_berth 125 import -c 'STOPSIGNAL NOPE' "$ROOTFS"
    is "$output" 'Error: invalid change "STOPSIGNAL NOPE" - KILLSIGNAL must be given a valid signal: invalid signal: NOPE'
    run_berth 125 import -c CMD "$ROOTFS"
    is "$output" 'Error: invalid change "CMD" - must be formatted as KEY VALUE'
    run_berth 125 import /no/such/file.tar
    is "$output" 'Error: import: open "/no/such/file.tar": No such file or directory'
    printf 'not a tar at all\n' >"$BATS_TEST_TMPDIR/junk.tar"
    run_berth 125 import "$BATS_TEST_TMPDIR/junk.tar"
    assert "$output" =~ "^Error: import $BATS_TEST_TMPDIR/junk.tar: not a tar archive" "junk named"
    : >"$BATS_TEST_TMPDIR/empty.tar"
    run_berth 125 import "$BATS_TEST_TMPDIR/empty.tar"
    is "$output" "Error: import $BATS_TEST_TMPDIR/empty.tar: the input is empty, not a tar archive"
    run_berth 125 import "$BATS_TEST_TMPDIR"
    is "$output" "Error: import \"$BATS_TEST_TMPDIR\": is a directory, not a tar archive"
    run_berth 125 import https://example.com/rootfs.tar
    is "$output" 'Error: import from a URL is not supported: "https://example.com/rootfs.tar": download it, then import the file'
    run_berth 125 import "$ROOTFS" Bad:Name
    assert "$output" =~ '^Error: .*Bad:Name.*' "bad reference named"
    run_berth 125 import "$ROOTFS" "foo@sha256:$BUSYBOX_IMAGE_ID"
    is "$output" "Error: tag localhost/foo@sha256:$BUSYBOX_IMAGE_ID: tag by digest not supported"
    run_berth 125 import
    is "$output" "Error: accepts between 1 and 2 arg(s), received 0"
    run_berth 125 import a b c
    is "$output" "Error: accepts between 1 and 2 arg(s), received 3"
    is "$(index_entries)" "$before" "index unchanged"
    is "$(ls -A "$BERTH_TEST_ROOT/images/tmp")" "" "no temporary leftovers"
    is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -name '.*')" "" "no temporary layer dirs"
}

@test "import refuses a hostile tarball, naming the entry" {
    fresh_store
    # The layer of the fixture's hostile-dotdot archive has an entry "../x".
    local layer
    layer=$(tar -xOf "$FIX/hostile-dotdot.tar" manifest.json | jq -r '.[0].Layers[0]')
    tar -xOf "$FIX/hostile-dotdot.tar" "$layer" >"$BATS_TEST_TMPDIR/dotdot.tar"
    run_berth 125 import "$BATS_TEST_TMPDIR/dotdot.tar" evil
    assert "$output" =~ "^Error: import $BATS_TEST_TMPDIR/dotdot.tar: layer entry \"\.\./x\"" \
        "the entry is named"
    [[ ! -e "$BERTH_TEST_ROOT/layers/x" && ! -e "$BERTH_TEST_ROOT/x" ]] || die "x written outside"
    is "$(jq '.manifests | length' "$BERTH_TEST_ROOT/images/index.json")" 0 "nothing listed"
    is "$(ls -A "$BERTH_TEST_ROOT/layers")" "" "no layer left"
}
