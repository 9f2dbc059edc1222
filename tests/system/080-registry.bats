#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Registries: pull, push, login/logout against real docker-registry
# instances on 127.0.0.1 (open, htpasswd Basic auth, token auth, TLS with a
# self-signed certificate), interop with skopeo, registries.conf, bad input.

load helpers
load registry
load terminal

function setup_file() {
    basic_setup_file
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] || return 0
    command -v docker-registry >/dev/null || return 0
    REG_DIR=$(mktemp -d "$BERTH_TEST_TMP/berth-reg.XXXXXX")
    export REG_DIR
    start_registry "$REG_DIR/open" open
    export OPEN=127.0.0.1:$REGISTRY_PORT
    start_registry "$REG_DIR/basic" htpasswd
    export BASIC=127.0.0.1:$REGISTRY_PORT
    start_registry "$REG_DIR/token" token
    export TOKEN=127.0.0.1:$REGISTRY_PORT
    start_registry "$REG_DIR/tls" tls
    export TLS=127.0.0.1:$REGISTRY_PORT
    push_fixture "$BERTH_FIXTURES/busybox-oci" "$OPEN/busybox:latest"
    push_fixture "$BERTH_FIXTURES/layers-oci" "$OPEN/layers:latest"
    # Under a name no registries.conf.d alias takes (busybox is one).
    push_fixture "$BERTH_FIXTURES/busybox-oci" "$OPEN/bbtest:latest"
    skopeo copy -q --dest-tls-verify=false --dest-creds anchor:anchorpw \
        "oci:$BERTH_FIXTURES/busybox-oci:latest" "docker://$BASIC/busybox:latest" >/dev/null
    skopeo copy -q --dest-tls-verify=false --dest-creds tokenuser:tokenpw \
        "oci:$BERTH_FIXTURES/busybox-oci:latest" "docker://$TOKEN/busybox:latest" >/dev/null
    skopeo copy -q --dest-tls-verify=false \
        "oci:$BERTH_FIXTURES/busybox-oci:latest" "docker://$TLS/busybox:latest" >/dev/null
}

function teardown_file() {
    if [[ -n "${REG_DIR:-}" ]]; then
        local d
        for d in "$REG_DIR"/*/; do
            stop_registry "${d%/}"
        done
        rm -rf "$REG_DIR"
    fi
    basic_teardown_file
}

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    [[ -n "${OPEN:-}" ]] || skip "docker-registry is not installed"
    # shellcheck disable=SC1091
    source "$BERTH_FIXTURES/digests.env"
    # No search registries, no user files: only what a test sets.
    export CONTAINERS_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.conf
    echo 'unqualified-search-registries = []' >"$CONTAINERS_REGISTRIES_CONF"
    export REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json
    fresh_store
}

function teardown() {
    if [[ -n "${TMUX_SERVER:-}" ]]; then
        tmux -L "$TMUX_SERVER" kill-server >/dev/null 2>&1 || true
    fi
    # An alias a test recorded in the shared root file (rootless tests use
    # their own XDG_CACHE_HOME).
    if [[ -n "${RECORDED_ALIAS:-}" ]]; then
        sed -i "/^  $RECORDED_ALIAS = /d" /var/cache/containers/short-name-aliases.conf 2>/dev/null || true
    fi
    remove_all_containers
}

function fresh_store() {
    remove_all_containers
    if is_rootless; then
        $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" unshare \
            rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    else
        rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    fi
}

# Nothing listed, no blob, no layer, no temporary left in the store.
function assert_store_empty() {
    run_berth images -q
    is "$output" "" "no image listed ($1)"
    local blobs layers temps
    blobs=$(find "$BERTH_TEST_ROOT/images/blobs" -type f 2>/dev/null | wc -l)
    layers=$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    temps=$(find "$BERTH_TEST_ROOT/images/tmp" -mindepth 1 2>/dev/null | wc -l)
    assert "$blobs $layers $temps" == "0 0 0" "no blob, layer or temporary left ($1)"
}

function expect_one_error_line() {
    assert "$stderr" =~ "Error: .*$1" "the error names what went wrong"
    local errors
    errors=$(grep -c '^Error: ' <<<"$stderr")
    assert "$errors" == 1 "one Error line: $stderr"
    assert "$(grep '^Error: ' <<<"$stderr" | wc -l)" == 1 "a one-line error"
}

@test "pull by tag: Podman's lines, the image id, runnable; pull -q; pull by digest" {
    run_berth --separate-stderr pull --tls-verify=false "$OPEN/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID" "stdout is the image id"
    is "${stderr_lines[0]}" "Trying to pull $OPEN/busybox:latest..."
    is "${stderr_lines[1]}" "Getting image source signatures"
    is "${stderr_lines[2]}" "Copying blob $BUSYBOX_LAYER_DIGEST"
    is "${stderr_lines[3]}" "Copying config $BUSYBOX_CONFIG_DIGEST"
    is "${stderr_lines[4]}" "Writing manifest to image destination"
    is "${stderr_lines[5]}" "Storing signatures"

    run_berth images --format '{{.Repository}}:{{.Tag}} {{.Digest}}'
    is "$output" "$OPEN/busybox:latest $BUSYBOX_MANIFEST_DIGEST" "listed with the registry's digest"
    run_berth run --rm "$OPEN/busybox" echo pulled-and-ran
    is "$output" "pulled-and-ran"

    # Again: already there, same id; -q prints only the id.
    run_berth --separate-stderr pull -q --tls-verify=false "docker://$OPEN/busybox:latest"
    is "$output" "$BUSYBOX_IMAGE_ID"
    is "$stderr" "" "-q: nothing on stderr"

    fresh_store
    run_berth pull -q --tls-verify=false "$OPEN/busybox@$BUSYBOX_MANIFEST_DIGEST"
    is "$output" "$BUSYBOX_IMAGE_ID" "pull by digest"
    run_berth image inspect --format '{{.Digest}}' "$OPEN/busybox@$BUSYBOX_MANIFEST_DIGEST"
    is "$output" "$BUSYBOX_MANIFEST_DIGEST"
    # Named repository@digest, as Podman names it: listed with tag <none>,
    # a RepoDigest and no RepoTag, and the name runs it.
    run_berth images --format '{{.Repository}} {{.Tag}} {{.Digest}}'
    is "$output" "$OPEN/busybox <none> $BUSYBOX_MANIFEST_DIGEST" "listed under its repository"
    run_berth image inspect --format '{{json .RepoTags}} {{json .RepoDigests}}' "$BUSYBOX_IMAGE_ID"
    is "$output" "[] [\"$OPEN/busybox@$BUSYBOX_MANIFEST_DIGEST\"]" "a digest, not a tag"
    run_berth run --rm "$OPEN/busybox@$BUSYBOX_MANIFEST_DIGEST" echo by-digest
    is "$output" "by-digest"
    # Pulled by tag too: one row, the tagged one.
    run_berth pull -q --tls-verify=false "$OPEN/busybox"
    run_berth images --format '{{.Repository}}:{{.Tag}}'
    is "$output" "$OPEN/busybox:latest" "the tagged name only"

    # Three layers, pulled in parallel, one of them shared with busybox.
    run_berth pull -q --tls-verify=false "$OPEN/layers"
    is "$output" "$LAYERS_IMAGE_ID"
    run_berth run --rm "$OPEN/layers" true
}

@test "run and create pull a missing image; --pull=never and --pull=always" {
    run_berth 125 create --pull=never --tls-verify=false "$OPEN/busybox" true
    assert "$output" =~ "image not known" "--pull=never does not pull"
    run_berth --separate-stderr run --rm --tls-verify=false "$OPEN/busybox" echo hello
    is "$output" "hello" "run of a missing image pulls it, then runs"
    assert "$stderr" =~ "Trying to pull $OPEN/busybox:latest..." "run reports the pull"
    run_berth --separate-stderr create -q --pull=always --tls-verify=false "$OPEN/busybox" true
    is "$stderr" "" "-q hides the pull of --pull=always"
    run_berth 125 run --rm --pull=bogus "$OPEN/busybox" true
    assert "$output" =~ "invalid pull policy" "bad --pull"
}

@test "push round trip: skopeo reads it, digests agree, pull gives the same id" {
    run_berth load -i "$BERTH_FIXTURES/busybox-docker-archive.tar"
    local digestfile=$BATS_TEST_TMPDIR/digest
    run_berth --separate-stderr push --tls-verify=false --digestfile "$digestfile" \
        localhost/busybox:latest "docker://$OPEN/pushed/bb:v1"
    is "${stderr_lines[0]}" "Getting image source signatures"
    assert "$stderr" =~ "Copying blob sha256:" "push output"
    assert "$stderr" =~ "Copying config $BUSYBOX_CONFIG_DIGEST" "push output"
    assert "$stderr" =~ "Writing manifest to image destination" "push output"
    local pushed
    pushed=$(cat "$digestfile")
    run skopeo inspect --tls-verify=false "docker://$OPEN/pushed/bb:v1"
    assert "$status" == 0 "skopeo inspect: $output"
    is "$(jq -r .Digest <<<"$output")" "$pushed" "skopeo sees the digest berth wrote"
    run skopeo copy -q --src-tls-verify=false "docker://$OPEN/pushed/bb:v1" "oci:$BATS_TEST_TMPDIR/oci:x"
    assert "$status" == 0 "skopeo copy: $output"

    # Pushing again: every blob is there already.
    run_berth push -q --tls-verify=false localhost/busybox:latest "$OPEN/pushed/bb:v2"
    # v2s2 and oci formats.
    run_berth push -q --tls-verify=false --format v2s2 localhost/busybox:latest "$OPEN/pushed/bb:docker"
    run curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$OPEN/v2/pushed/bb/manifests/docker"
    is "$(jq -r .mediaType <<<"$output")" "application/vnd.docker.distribution.manifest.v2+json"

    fresh_store
    run_berth pull -q --tls-verify=false "$OPEN/pushed/bb:v1"
    is "$output" "$BUSYBOX_IMAGE_ID" "pulled back: same image id"
    run_berth image inspect --format '{{.Digest}}' "$OPEN/pushed/bb:v1"
    is "$output" "$pushed" "same manifest digest"
    run_berth pull -q --tls-verify=false "$OPEN/pushed/bb:docker"
    is "$output" "$BUSYBOX_IMAGE_ID" "the v2s2 manifest names the same config"

    run_berth 125 push --tls-verify=false --format v2s1 "$OPEN/pushed/bb:v1" "$OPEN/x:y"
    assert "$output" =~ "v2s1" "v2s1 is refused"
    run_berth 125 push --tls-verify=false nosuchimage "$OPEN/x:y"
    assert "$output" =~ "nosuchimage: image not known"
}

@test "Basic auth: --creds, login/logout, --get-login, wrong password" {
    run_berth --separate-stderr 125 pull --retry 0 --tls-verify=false "$BASIC/busybox"
    expect_one_error_line "initializing source docker://$BASIC/busybox:latest: reading manifest latest in $BASIC/busybox: unauthorized"
    assert_store_empty "unauthorized pull"

    run_berth pull -q --tls-verify=false --creds anchor:anchorpw "$BASIC/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID" "--creds"

    fresh_store
    local authfile=$BATS_TEST_TMPDIR/a/auth.json
    run_berth --separate-stderr 125 login --tls-verify=false --authfile "$authfile" -u anchor -p wrong "$BASIC"
    expect_one_error_line "logging into \"$BASIC\": invalid username/password"
    [[ ! -e "$authfile" ]] || die "a failed login wrote $authfile"

    run_berth login --tls-verify=false --authfile "$authfile" -u anchor -p anchorpw "$BASIC"
    is "$output" "Login Succeeded!"
    is "$(jq -r ".auths[\"$BASIC\"].auth" "$authfile")" "$(printf anchor:anchorpw | base64)" "auth.json entry"
    is "$(stat -c %a "$authfile")" "600" "auth.json is private"
    run_berth login --get-login --authfile "$authfile" "$BASIC"
    is "$output" "anchor"
    run_berth pull -q --tls-verify=false --authfile "$authfile" "$BASIC/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID" "pull with the stored login"

    # --password-stdin, and the default file (REGISTRY_AUTH_FILE here).
    run_berth login --tls-verify=false -u anchor --password-stdin "$BASIC" <<<"anchorpw"
    [[ -r "$REGISTRY_AUTH_FILE" ]] || die "REGISTRY_AUTH_FILE not written"
    run_berth logout "$BASIC"
    is "$output" "Removed login credentials for $BASIC"
    run_berth --separate-stderr 125 logout "$BASIC"
    expect_one_error_line "not logged into $BASIC"
    run_berth --separate-stderr 125 login --get-login "$BASIC"
    expect_one_error_line "not logged into $BASIC"

    run_berth logout --all --authfile "$authfile"
    is "$output" "Removed login credentials for all registries"
    [[ ! -e "$authfile" ]] || die "logout --all left $authfile"
}

@test "login writes \$XDG_RUNTIME_DIR/containers/auth.json rootless, reads ~/.docker/config.json" {
    unset REGISTRY_AUTH_FILE
    local home=$BATS_TEST_TMPDIR/home
    mkdir -p "$home/.docker"
    printf '{"auths":{"http://%s":{"auth":"%s"}}}' "$BASIC" "$(printf anchor:anchorpw | base64)" \
        >"$home/.docker/config.json"
    HOME=$home XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg run_berth pull -q --tls-verify=false "$BASIC/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID" "credentials from Docker's config.json"
    if is_rootless; then
        mkdir -p "$BATS_TEST_TMPDIR/xdg"
        HOME=$home XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg run_berth login --tls-verify=false -u anchor -p anchorpw "$BASIC"
        [[ -r "$BATS_TEST_TMPDIR/xdg/containers/auth.json" ]] || die "no auth.json under XDG_RUNTIME_DIR"
    fi
}

@test "token auth: bearer challenge, one token per repository scope, login, push" {
    run_berth --separate-stderr 125 pull --retry 0 --tls-verify=false --creds tokenuser:wrong "$TOKEN/busybox"
    expect_one_error_line "invalid username/password"
    assert_store_empty "bad token credentials"

    : >"$REG_DIR/token/token.log"
    run_berth pull -q --tls-verify=false --creds tokenuser:tokenpw "$TOKEN/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID" "pull through a token"
    run grep -c "token tokenuser repository:busybox:pull" "$REG_DIR/token/token.log"
    is "$output" "1" "one token for the repository scope, reused for every request"

    local authfile=$BATS_TEST_TMPDIR/auth2.json
    run_berth --separate-stderr 125 login --tls-verify=false --authfile "$authfile" -u tokenuser -p nope "$TOKEN"
    expect_one_error_line "invalid username/password"
    run_berth login --tls-verify=false --authfile "$authfile" -u tokenuser -p tokenpw "$TOKEN"
    is "$output" "Login Succeeded!"
    run_berth push -q --tls-verify=false --authfile "$authfile" "$TOKEN/busybox:latest" "$TOKEN/mine/bb:1"
    run skopeo inspect --tls-verify=false --creds tokenuser:tokenpw "docker://$TOKEN/mine/bb:1"
    assert "$status" == 0 "skopeo reads the push behind token auth: $output"
}

@test "TLS with a self-signed certificate: --tls-verify=false, --cert-dir, and the refusal" {
    run_berth --separate-stderr 125 pull --retry 0 "$TLS/busybox"
    expect_one_error_line "pinging container registry $TLS"
    assert "$stderr" =~ "certificate" "the error says why"
    assert_store_empty "refused certificate"
    run_berth pull -q --tls-verify=false "$TLS/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID"
    fresh_store
    run_berth pull -q --cert-dir "$REG_DIR/tls/certs" "$TLS/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID" "--cert-dir with the registry's CA"
    # A plain-HTTP registry without --tls-verify=false: https fails.
    run_berth --separate-stderr 125 pull --retry 0 "$OPEN/busybox"
    expect_one_error_line "pinging container registry $OPEN: Get \"https://$OPEN/v2/\""
}

@test "bad input: reference, host, tag, tampered blob, HTML, not JSON: one error line, nothing stored" {
    run_berth --separate-stderr 125 pull "$OPEN/Bad:Name:x"
    expect_one_error_line "invalid reference format|invalid"
    run_berth --separate-stderr 125 pull --retry 0 --tls-verify=false nosuchhost.invalid/busybox
    expect_one_error_line "pinging container registry nosuchhost.invalid"
    run_berth --separate-stderr 125 pull --tls-verify=false "$OPEN/busybox:nope"
    expect_one_error_line "initializing source docker://$OPEN/busybox:nope: reading manifest nope in $OPEN/busybox: manifest unknown"
    run_berth --separate-stderr 125 pull --tls-verify=false "$OPEN/nosuchrepo"
    expect_one_error_line "name unknown|manifest unknown"
    assert_store_empty "unknown names"

    # A registry that serves a blob whose content does not match its digest.
    skopeo copy -q --dest-tls-verify=false "oci:$BERTH_FIXTURES/busybox-oci:latest" \
        "docker://$OPEN/tampered:latest" >/dev/null
    local hex=${BUSYBOX_LAYER_DIGEST#sha256:}
    local data=$REG_DIR/open/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
    cp "$data" "$BATS_TEST_TMPDIR/good-layer"
    printf 'X' | dd of="$data" bs=1 seek=1000 conv=notrunc status=none
    run_berth --separate-stderr 125 pull --tls-verify=false "$OPEN/tampered"
    cp "$BATS_TEST_TMPDIR/good-layer" "$data"
    expect_one_error_line "reading blob $BUSYBOX_LAYER_DIGEST: digest did not match"
    assert_store_empty "tampered blob"

    # Something that is not a registry: an HTTP server answering HTML.
    local html=$BATS_TEST_TMPDIR/html
    mkdir -p "$html/v2/app/manifests"
    echo '<html><body>hello</body></html>' >"$html/v2/app/manifests/latest"
    echo '{"schemaVersion": 2, "mediaType": ' >"$html/v2/app/manifests/broken"
    local port
    port=$(free_port)
    (cd "$html" && exec setsid /usr/bin/python3 -m http.server --bind 127.0.0.1 "$port" </dev/null >/dev/null 2>&1) &
    mkdir -p "$REG_DIR/html"
    echo $! >"$REG_DIR/html/proxy.pid"
    _wait_for_port "$port"
    run_berth --separate-stderr 125 pull --retry 0 --tls-verify=false "127.0.0.1:$port/app"
    expect_one_error_line "the manifest is not JSON"
    run_berth --separate-stderr 125 pull --retry 0 --tls-verify=false "127.0.0.1:$port/app:broken"
    expect_one_error_line "the manifest is not JSON"
    head -c $((100 << 20)) /dev/zero | tr '\0' ' ' >"$html/v2/app/manifests/huge"
    run_berth --separate-stderr 125 pull --retry 0 --tls-verify=false "127.0.0.1:$port/app:huge"
    expect_one_error_line "manifest exceeds the maximum allowed size of 4194304 bytes"
    stop_registry "$REG_DIR/html"
    assert_store_empty "not a registry"

    run_berth --separate-stderr 125 pull --tls-verify=false --platform linux/amd64 --arch arm64 "$OPEN/busybox"
    expect_one_error_line "--platform option can not be specified with --arch or --os"
    run_berth --separate-stderr 125 pull --tls-verify=false --creds nopassword "$OPEN/busybox"
    expect_one_error_line "invalid --creds"
}

# Uploads a blob from a file with curl (monolithic POST+PUT).
function curl_upload_blob() {
    local repo=$1 file=$2 digest location
    digest=sha256:$(sha256sum "$file" | cut -d' ' -f1)
    location=$(curl -s -o /dev/null -D - -X POST "http://$OPEN/v2/$repo/blobs/uploads/" |
        tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    [[ "$location" == http* ]] || location=http://$OPEN$location
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$file" \
        "$location&digest=$digest" >/dev/null
    echo "$digest"
}

@test "a multi-arch index: amd64 picked, --arch/--platform pick others, none fits" {
    local t=$BATS_TEST_TMPDIR
    # An arm64 variant of busybox: same layer, another config.
    jq -c '.architecture = "arm64" | .variant = "v8"' \
        "$BERTH_FIXTURES/busybox-oci/blobs/sha256/${BUSYBOX_CONFIG_DIGEST#sha256:}" >"$t/config-arm64"
    local armconfig
    armconfig=$(curl_upload_blob multi "$t/config-arm64")
    curl_upload_blob multi "$BERTH_FIXTURES/busybox-oci/blobs/sha256/${BUSYBOX_LAYER_DIGEST#sha256:}" >/dev/null
    curl_upload_blob multi "$BERTH_FIXTURES/busybox-oci/blobs/sha256/${BUSYBOX_CONFIG_DIGEST#sha256:}" >/dev/null
    local amd=$BERTH_FIXTURES/busybox-oci/blobs/sha256/${BUSYBOX_MANIFEST_DIGEST#sha256:}
    jq -c --arg d "$armconfig" --argjson s "$(stat -c %s "$t/config-arm64")" \
        '.config.digest = $d | .config.size = $s' "$amd" >"$t/manifest-arm64"
    local armmanifest=sha256:$(sha256sum "$t/manifest-arm64" | cut -d' ' -f1)
    local mt=application/vnd.oci.image.manifest.v1+json
    curl -sf -X PUT -H "Content-Type: $mt" --data-binary "@$t/manifest-arm64" "http://$OPEN/v2/multi/manifests/$armmanifest" >/dev/null
    curl -sf -X PUT -H "Content-Type: $mt" --data-binary "@$amd" "http://$OPEN/v2/multi/manifests/$BUSYBOX_MANIFEST_DIGEST" >/dev/null
    jq -nc --arg a "$armmanifest" --argjson asize "$(stat -c %s "$t/manifest-arm64")" \
        --arg b "$BUSYBOX_MANIFEST_DIGEST" --argjson bs "$BUSYBOX_MANIFEST_SIZE" --arg mt "$mt" \
        '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
           {mediaType: $mt, digest: $a, size: $asize, platform: {architecture: "arm64", os: "linux", variant: "v8"}},
           {mediaType: $mt, digest: $b, size: $bs, platform: {architecture: "amd64", os: "linux"}}]}' >"$t/index"
    curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary "@$t/index" \
        "http://$OPEN/v2/multi/manifests/latest" >/dev/null

    run_berth pull -q --tls-verify=false "$OPEN/multi"
    is "$output" "$BUSYBOX_IMAGE_ID" "the amd64 entry"
    run_berth pull -q --tls-verify=false --arch arm64 "$OPEN/multi"
    is "$output" "${armconfig#sha256:}" "--arch arm64"
    run_berth image inspect --format '{{.Architecture}}' "$OPEN/multi"
    is "$output" "arm64"
    run_berth pull -q --tls-verify=false --platform linux/arm64/v8 "$OPEN/multi"
    is "$output" "${armconfig#sha256:}" "--platform linux/arm64/v8"
    # A single-platform image for another architecture: pulled, with a warning.
    run_berth --separate-stderr pull -q --tls-verify=false --arch arm64 "$OPEN/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID"
    assert "$stderr" =~ "image platform \(linux/amd64\) does not match the expected platform \(linux/arm64\)"
    run_berth --separate-stderr 125 pull --tls-verify=false --arch s390x "$OPEN/multi"
    expect_one_error_line "no image found in image index for architecture s390x, variant \"\", OS linux"
}

@test "registries.conf: search registries, aliases, insecure, blocked, enforcing without a TTY" {
    cat >"$CONTAINERS_REGISTRIES_CONF" <<CONF
unqualified-search-registries = ["$OPEN"]
[[registry]]
location = "$OPEN"
insecure = true
[[registry]]
location = "$BASIC"
blocked = true
[aliases]
"myalias" = "$OPEN/layers"
CONF
    run_berth --separate-stderr 125 pull bbshort
    is "${stderr_lines[0]}" "Resolving \"bbshort\" using unqualified-search registries ($CONTAINERS_REGISTRIES_CONF)"
    is "${stderr_lines[1]}" "Trying to pull $OPEN/bbshort:latest..."
    run_berth --separate-stderr pull bbtest
    is "$output" "$BUSYBOX_IMAGE_ID" "a short name from the search registry, insecure from registries.conf"
    run_berth --separate-stderr pull myalias
    is "$output" "$LAYERS_IMAGE_ID"
    is "${stderr_lines[0]}" "Resolved \"myalias\" as an alias ($CONTAINERS_REGISTRIES_CONF)"
    run_berth --separate-stderr 125 pull --creds anchor:anchorpw "$BASIC/busybox"
    expect_one_error_line "registry $BASIC is blocked"

    fresh_store  # a local bbtest would be pulled under its own name
    cat >"$CONTAINERS_REGISTRIES_CONF" <<CONF
unqualified-search-registries = ["$OPEN", "$TLS"]
short-name-mode = "enforcing"
CONF
    run_berth --separate-stderr 125 pull bbtest </dev/null
    expect_one_error_line "short-name resolution enforced but cannot prompt without a TTY"
    assert "$stderr" =~ "$OPEN/bbtest:latest, $TLS/bbtest:latest" "the candidates are named"
    # A short name that names a local image is pulled under its name (Podman).
    run_berth pull -q --tls-verify=false "$OPEN/bbtest"
    run_berth --separate-stderr pull --tls-verify=false bbtest </dev/null
    is "$output" "$BUSYBOX_IMAGE_ID"
    is "${stderr_lines[0]}" "Trying to pull $OPEN/bbtest:latest..." "no short-name resolution"

    echo 'unqualified-search-registries = []' >"$CONTAINERS_REGISTRIES_CONF"
    run_berth --separate-stderr 125 pull bar
    expect_one_error_line "short-name \"bar\" did not resolve to an alias and no unqualified-search registries are defined in \"$CONTAINERS_REGISTRIES_CONF\""
    echo 'short-name-mode = "sometimes"' >"$CONTAINERS_REGISTRIES_CONF"
    run_berth --separate-stderr 125 pull bar
    expect_one_error_line "invalid short-name mode"
}

@test "short names on a terminal: Podman's prompt, the choice recorded as an alias; permissive tries each" {
    command -v tmux >/dev/null || skip "tmux is not installed"
    TMUX_SERVER="berth-sn-$$-$BATS_TEST_NUMBER"
    export LC_ALL=C.UTF-8
    local name=snpick-$$-$RANDOM aliases=/var/cache/containers/short-name-aliases.conf
    if is_rootless; then
        export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
        aliases=$XDG_CACHE_HOME/containers/short-name-aliases.conf
    else
        RECORDED_ALIAS=$name
    fi
    push_fixture "$BERTH_FIXTURES/busybox-oci" "$OPEN/$name:latest"
    local unused
    unused=127.0.0.1:$(free_port)
    cat >"$CONTAINERS_REGISTRIES_CONF" <<CONF
unqualified-search-registries = ["$unused", "$OPEN"]
short-name-mode = "enforcing"
[[registry]]
location = "$OPEN"
insecure = true
CONF
    # The arrow keys move the highlight; Ctrl-C aborts: 125, nothing pulled
    # or recorded.
    term_start abort 120 20 pull "$name"
    term_wait abort "Please select an image"
    assert "$(term_screen abort)" =~ "▸ $unused/$name:latest" "the first one highlighted"
    term_type abort Down
    term_wait abort "▸ $OPEN/$name:latest"
    term_type abort C-c
    term_wait abort "EXIT="
    assert "$(term_screen abort)" =~ "Error: short-name \"$name\" not resolved: selection aborted" \
        "Ctrl-C: an error"
    assert "$(term_screen abort)" =~ "EXIT=125"
    run_berth images -q
    is "$output" "" "nothing pulled"
    assert "$(cat "$aliases" 2>/dev/null)" !~ "$name" "nothing recorded"

    # A digit picks that candidate; only the choice stays on the screen.
    term_start pick 120 20 pull "$name"
    term_wait pick "Please select an image"
    term_type pick 2 Enter
    term_wait pick "EXIT="
    local screen
    screen=$(term_screen pick)
    assert "$screen" =~ "✔ $OPEN/$name:latest" "the choice is shown"
    assert "$screen" =~ "Trying to pull $OPEN/$name:latest..." "and pulled"
    assert "$screen" =~ "EXIT=0"
    assert "$screen" !~ "Please select|$unused" "the list is gone, the other never tried"
    # Recorded as containers/image does, in Podman's file.
    run cat "$aliases"
    assert "$output" =~ "^\[aliases\]"
    assert "$output" =~ $'\n'"  $name = \"$OPEN/$name\""
    is "$(stat -c %a "$aliases")" "600" "the alias file is private"

    # Next time: the alias, no prompt needed, even without a terminal.
    fresh_store
    run_berth --separate-stderr pull "$name" </dev/null
    is "$output" "$BUSYBOX_IMAGE_ID"
    is "${stderr_lines[0]}" "Resolved \"$name\" as an alias ($aliases)"
    is "${stderr_lines[1]}" "Trying to pull $OPEN/$name:latest..."

    # Permissive without a terminal: each candidate in order.
    fresh_store
    sed -i 's/enforcing/permissive/' "$CONTAINERS_REGISTRIES_CONF"
    run_berth --separate-stderr pull --retry 0 bbtest </dev/null
    is "$output" "$BUSYBOX_IMAGE_ID"
    is "${stderr_lines[1]}" "Trying to pull $unused/bbtest:latest..."
    assert "$stderr" =~ $'\n'"Trying to pull $OPEN/bbtest:latest..." "then the next one"
}

@test "two concurrent pulls of one image both succeed and store it once" {
    local out1=$BATS_TEST_TMPDIR/1 out2=$BATS_TEST_TMPDIR/2
    $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" pull -q --tls-verify=false "$OPEN/layers" >"$out1" 2>&1 &
    local p1=$!
    $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" pull -q --tls-verify=false "$OPEN/layers" >"$out2" 2>&1 &
    local p2=$!
    wait $p1 || die "first pull failed: $(cat "$out1")"
    wait $p2 || die "second pull failed: $(cat "$out2")"
    is "$(cat "$out1")" "$LAYERS_IMAGE_ID"
    is "$(cat "$out2")" "$LAYERS_IMAGE_ID"
    run_berth images -q
    is "${#lines[@]}" 1 "one image"
    is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -not -name '.*' | wc -l)" 3 "three layers, once each"
    is "$(find "$BERTH_TEST_ROOT/images/tmp" -mindepth 1 | wc -l)" 0 "no temporary left"
}

@test "a connection cut mid-layer is retried and resumed with a Range request" {
    start_proxy "$REG_DIR/cut" "$OPEN" --cut 1
    run_berth --separate-stderr pull -q --tls-verify=false --retry-delay 10ms "127.0.0.1:$PROXY_PORT/layers"
    stop_registry "$REG_DIR/cut"
    is "$output" "$LAYERS_IMAGE_ID" "the pull completed"
    assert "$stderr" =~ "Failed, retrying in 10ms ... \(1/3\)" "the retry is reported"
    run grep -c "range=bytes=" "$REG_DIR/cut/proxy.log"
    assert "$output" -ge 1 "a Range request resumed the download: $(cat "$REG_DIR/cut/proxy.log")"
    run_berth run --rm "127.0.0.1:$PROXY_PORT/layers" true

    # --retry 0: the cut is an error, and nothing is stored.
    fresh_store
    start_proxy "$REG_DIR/cut" "$OPEN" --cut 1
    run_berth --separate-stderr 125 pull -q --tls-verify=false --retry 0 "127.0.0.1:$PROXY_PORT/busybox"
    stop_registry "$REG_DIR/cut"
    expect_one_error_line "reading blob $BUSYBOX_LAYER_DIGEST"
    assert_store_empty "cut without retries"
}

@test "a 5xx answer is retried with back-off; --retry 0 makes it an error" {
    start_proxy "$REG_DIR/5xx" "$OPEN" --fail-manifests 2
    run_berth --separate-stderr pull -q --tls-verify=false --retry-delay 10ms "127.0.0.1:$PROXY_PORT/busybox"
    stop_registry "$REG_DIR/5xx"
    is "$output" "$BUSYBOX_IMAGE_ID" "the pull completed after two 503s"
    assert "$stderr" =~ "retrying in 10ms ... \(1/3\)" "first retry after 10ms"
    assert "$stderr" =~ "retrying in 20ms ... \(2/3\)" "then the delay doubles"
    fresh_store
    start_proxy "$REG_DIR/5xx" "$OPEN" --fail-manifests 1
    run_berth --separate-stderr 125 pull -q --tls-verify=false --retry 0 "127.0.0.1:$PROXY_PORT/busybox"
    stop_registry "$REG_DIR/5xx"
    expect_one_error_line "reading manifest latest in 127.0.0.1:$PROXY_PORT/busybox: unavailable: try later"
    run_berth --separate-stderr 125 pull --retry -1 "$OPEN/busybox"
    expect_one_error_line "invalid --retry -1"
    run_berth --separate-stderr 125 pull --retry-delay 5parsecs "$OPEN/busybox"
    expect_one_error_line "retry-delay"
}

@test "SIGKILL mid-pull leaves no visible image; the next pull completes and cleans up" {
    start_proxy "$REG_DIR/stall" "$OPEN" --stall
    $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" pull -q --tls-verify=false \
        "127.0.0.1:$PROXY_PORT/busybox" >/dev/null 2>&1 &
    local pid=$! i
    for i in $(seq 1 100); do
        grep -q "/blobs/$BUSYBOX_LAYER_DIGEST" "$REG_DIR/stall/proxy.log" && break
        sleep 0.1
    done
    sleep 0.3
    kill -KILL "$pid"
    wait "$pid" || true
    stop_registry "$REG_DIR/stall"
    run_berth images -q
    is "$output" "" "no image listed after the kill"
    run_berth pull -q --tls-verify=false "$OPEN/busybox"
    is "$output" "$BUSYBOX_IMAGE_ID" "the next pull completes"
    is "$(find "$BERTH_TEST_ROOT/images/tmp" -mindepth 1 | wc -l)" 0 "the killed pull's temporaries are gone"
    is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -name '.tmp-*' | wc -l)" 0 "no temporary layer"
}

@test "push to oci:, oci-archive: and docker-archive: destinations" {
    run_berth load -i "$BERTH_FIXTURES/busybox-docker-archive.tar"
    run_berth push localhost/busybox "oci:$BATS_TEST_TMPDIR/layout"
    run skopeo inspect "oci:$BATS_TEST_TMPDIR/layout"
    assert "$status" == 0 "skopeo reads the oci: push: $output"
    is "$(jq -r .Architecture <<<"$output")" "amd64"
    run_berth push localhost/busybox "oci-archive:$BATS_TEST_TMPDIR/a.tar"
    run_berth push localhost/busybox "docker-archive:$BATS_TEST_TMPDIR/d.tar"
    fresh_store
    run_berth load -i "$BATS_TEST_TMPDIR/d.tar"
    is "$output" "Loaded image: localhost/busybox:latest" "the docker-archive loads"
    run_berth --separate-stderr 125 push localhost/busybox "oci-archive:$BATS_TEST_TMPDIR/b.tar:ref"
    expect_one_error_line "invalid destination"
}

@test "a token that expires mid-pull is replaced, and the pull completes" {
    # A second registry on the token registry's storage, whose tokens the
    # registry rejects 2 s after they are issued (distribution allows 60 s of
    # clock skew: the JWT says it expired 58 s ago) while the answer says 300.
    mkdir -p "$REG_DIR/tok2"
    ln -sfn "$REG_DIR/token/data" "$REG_DIR/tok2/data"
    TOKEN_JWT_EXPIRES=-58 start_registry "$REG_DIR/tok2" token
    start_proxy "$REG_DIR/tok2" "127.0.0.1:$REGISTRY_PORT" --delay-blobs 3
    run_berth pull -q --tls-verify=false --creds tokenuser:tokenpw "127.0.0.1:$PROXY_PORT/busybox"
    stop_registry "$REG_DIR/tok2"
    is "$output" "$BUSYBOX_IMAGE_ID" "the pull completed"
    run grep -c "token tokenuser repository:busybox:pull" "$REG_DIR/tok2/token.log"
    is "$output" 2 "a second token was fetched after the registry refused the first"
    run grep -c "status=401" "$REG_DIR/tok2/proxy.log"
    assert "$output" -ge 1 "the registry refused the expired token once"
}

@test "push mounts a blob another repository of the registry has" {
    run_berth pull -q --tls-verify=false "$OPEN/busybox"
    start_proxy "$REG_DIR/mount" "$OPEN"
    run_berth tag "$OPEN/busybox" "127.0.0.1:$PROXY_PORT/busybox"
    run_berth push -q --tls-verify=false "127.0.0.1:$PROXY_PORT/busybox" "127.0.0.1:$PROXY_PORT/mounted/bb:1"
    stop_registry "$REG_DIR/mount"
    run grep -c "POST /v2/mounted/bb/blobs/uploads/?mount=sha256%3A.*&from=busybox .*status=201" "$REG_DIR/mount/proxy.log"
    assert "$output" -ge 1 "a cross-repository mount: $(cat "$REG_DIR/mount/proxy.log")"
    run grep -c "PATCH" "$REG_DIR/mount/proxy.log"
    is "$output" 0 "nothing uploaded"
    run skopeo inspect --tls-verify=false "docker://$OPEN/mounted/bb:1"
    assert "$status" == 0 "the pushed image is readable: $output"
}

@test "pull --all-tags pulls every tag of the repository" {
    push_fixture "$BERTH_FIXTURES/busybox-oci" "$OPEN/alltags:one"
    push_fixture "$BERTH_FIXTURES/layers-oci" "$OPEN/alltags:two"
    run_berth pull -q -a --tls-verify=false "$OPEN/alltags"
    is "$output" "$BUSYBOX_IMAGE_ID
$LAYERS_IMAGE_ID" "one id per tag"
    run_berth images --format '{{.Tag}}' --sort tag
    assert "$output" =~ "one" "tag one"
    assert "$output" =~ "two" "tag two"
    run_berth --separate-stderr 125 pull -a --tls-verify=false "$OPEN/alltags:one"
    expect_one_error_line "tag can't be used with --all-tags/-a"
}

@test "push --compression-format zstd|gzip recompresses the layers; the pull gives the same image" {
    run_berth load -i "$BERTH_FIXTURES/busybox-docker-archive.tar"
    run_berth push -q --tls-verify=false --compression-format zstd localhost/busybox "$OPEN/zstd/bb:1"
    run skopeo inspect --raw --tls-verify=false "docker://$OPEN/zstd/bb:1"
    assert "$status" == 0 "skopeo inspect: $output"
    is "$(jq -r '.layers[0].mediaType' <<<"$output")" "application/vnd.oci.image.layer.v1.tar+zstd"
    run_berth push -q --tls-verify=false --compression-format gzip --format v2s2 localhost/busybox "$OPEN/gzip/bb:1"
    run skopeo inspect --raw --tls-verify=false "docker://$OPEN/gzip/bb:1"
    is "$(jq -r '.layers[0].mediaType' <<<"$output")" "application/vnd.docker.image.rootfs.diff.tar.gzip"
    is "$(find "$BERTH_TEST_ROOT/images/tmp" -mindepth 1 | wc -l)" 0 "no temporary left"
    fresh_store
    run_berth pull -q --tls-verify=false "$OPEN/zstd/bb:1"
    is "$output" "$BUSYBOX_IMAGE_ID" "the zstd image has the same config"
    run_berth run --rm "$OPEN/zstd/bb:1" echo zstd-ok
    is "$output" "zstd-ok"
    run_berth --separate-stderr 125 push --tls-verify=false --compression-format lz4 "$OPEN/zstd/bb:1" "$OPEN/x:1"
    expect_one_error_line "unsupported compression format \"lz4\""
    run_berth --separate-stderr 125 push --tls-verify=false --compression-format zstd --format v2s2 "$OPEN/zstd/bb:1" "$OPEN/x:1"
    expect_one_error_line "zstd compression is not supported with the v2s2 format"
}
