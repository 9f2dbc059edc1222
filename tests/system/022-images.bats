#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# images / image ls, image inspect, history, image exists, tag, untag, rmi,
# image prune: Podman's output, flags and exit codes.

load helpers

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    # shellcheck disable=SC1091
    source "$BERTH_FIXTURES/digests.env"
    FIX=$BERTH_FIXTURES
    BB_ID=${BUSYBOX_IMAGE_ID:0:12}
    LY_ID=${LAYERS_IMAGE_ID:0:12}
}

function fresh_store() {
    if is_rootless; then
        $BERTH --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" unshare \
            rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    else
        rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    fi
}

function layer_count() {
    find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 -not -name '.*' | wc -l
}

# The manifest digest and size the store lists for NAME (docker-archive
# loads get a manifest written by berth).
function manifest_of() {
    jq -r --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | "\(.digest) \(.size)"' \
        "$BERTH_TEST_ROOT/images/index.json"
}

function blob_count() {
    find "$BERTH_TEST_ROOT/images/blobs/sha256" -type f | wc -l
}

@test "images: empty store prints the header only" {
    fresh_store
    run_berth images
    is "$output" "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE" "header"
    run_berth images -q
    is "$output" "" "no ids"
    run_berth images --format json
    is "$output" "[]" "empty json"
}

@test "images: Podman's columns, one row per name, -q once per image" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth tag busybox foo:1 quay.io/x/y:2
    run_berth images
    is "${lines[0]}" "REPOSITORY         TAG         IMAGE ID      CREATED       SIZE" "header"
    is "${lines[1]}" "localhost/busybox  latest      $BB_ID  56 years ago  2.14 MB" "busybox row"
    is "${lines[2]}" "localhost/foo      1           $BB_ID  56 years ago  2.14 MB" "foo row"
    is "${lines[3]}" "quay.io/x/y        2           $BB_ID  56 years ago  2.14 MB" "quay row"
    is "${#lines[@]}" 4 "three rows"
    run_berth image ls -q
    is "$output" "$BB_ID" "-q: one id"
    run_berth image list --noheading --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'
    is "${lines[0]}" "sha256:$BUSYBOX_IMAGE_ID localhost/busybox:latest" "--no-trunc id"
    local digest size
    read -r digest size < <(manifest_of localhost/busybox:latest)
    run_berth images --digests --format 'table {{.Repository}} {{.Digest}}'
    is "${lines[0]}" "REPOSITORY         DIGEST" "table header from the user's format"
    is "${lines[1]}" "localhost/busybox  $digest" "digest column"
    run_berth images --digests
    is "${lines[0]}" "REPOSITORY         TAG         DIGEST                                                                   IMAGE ID      CREATED       SIZE" "--digests header"
    run_berth images --format json
    is "$(jq -r '.[0].Id' <<<"$output")" "$BUSYBOX_IMAGE_ID" "json Id"
    is "$(jq -r '.[0].RepoTags' <<<"$output")" "null" "RepoTags null, as Podman 4.3"
    is "$(jq -r '.[0].Names | join(",")' <<<"$output")" \
        "localhost/busybox:latest,localhost/foo:1,quay.io/x/y:2" "Names"
    is "$(jq -r '.[0].Created' <<<"$output")" "0" "Created"
    is "$(jq -r '.[0].CreatedAt' <<<"$output")" "1970-01-01T00:00:00Z" "CreatedAt"
    # Size: the uncompressed layer plus config and manifest.
    is "$(jq -r '.[0].Size' <<<"$output")" \
        "$((BUSYBOX_DIFF_SIZE + BUSYBOX_CONFIG_SIZE + size))" "Size"
    is "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" "localhost/busybox@$digest" "RepoDigests"
}

@test "images: filters and sorting" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth load -i "$FIX/layers-docker-archive.tar"
    run_berth images --format '{{.Repository}}' --sort repository
    is "$output" "localhost/busybox
localhost/layers" "sorted by repository"
    run_berth images --format '{{.Repository}}' --filter reference=layers
    is "$output" "localhost/layers" "reference=layers"
    run_berth images --format '{{.Repository}}' --filter 'reference=localhost/b*'
    is "$output" "localhost/busybox" "reference glob"
    run_berth images --format '{{.Repository}}' localhost/layers
    is "$output" "localhost/layers" "positional reference"
    run_berth images --format '{{.Repository}}' --filter dangling=true
    is "$output" "" "nothing dangling"
    run_berth images --format '{{.Repository}}' --filter reference=busybox --filter reference=layers --sort repository
    is "$output" "localhost/busybox
localhost/layers" "two values of one filter: either"
    run_berth images --format '{{.Repository}}' --filter id=$LY_ID
    is "$output" "localhost/layers" "id="
    run_berth untag busybox
    run_berth images --format '{{.Repository}} {{.Tag}} {{.Dangling}}' --filter dangling=true
    is "$output" "<none> <none> true" "untagged image is dangling"

    run_berth 125 images --filter foo=bar
    is "$output" 'Error: unsupported image filter "foo"'
    run_berth 125 images --filter foo
    is "$output" 'Error: invalid image filter "foo": must be in the format "filter=value or filter!=value"'
    run_berth 125 images --filter dangling=maybe
    assert "$output" =~ 'non-boolean value' "bad boolean"
    run_berth 125 images --filter before=nothere
    assert "$output" =~ 'nothere: image not known' "unknown image in before="
    run_berth 125 images --sort bogus
    is "$output" 'Error: "bogus" is not a valid field for sorting. Choose from: created, id, repository, size, tag'
    run_berth 125 images --format '{{.Nope}}'
    assert "$output" =~ "^Error: " "bad template field"
}

@test "image inspect: Podman's keys, templates, unknown images" {
    fresh_store
    run_berth load -i "$FIX/layers-docker-archive.tar"
    run_berth image inspect localhost/layers
    is "$(jq -r '.[0].Id' <<<"$output")" "$LAYERS_IMAGE_ID" "Id"
    local digest size
    read -r digest size < <(manifest_of localhost/layers:latest)
    is "$(jq -r '.[0].Digest' <<<"$output")" "$digest" "Digest"
    is "$(jq -r '.[0].RepoTags[0]' <<<"$output")" "localhost/layers:latest" "RepoTags"
    is "$(jq -r '.[0].Architecture + "/" + .[0].Os' <<<"$output")" "amd64/linux" "platform"
    is "$(jq -r '.[0].RootFS.Layers | join(" ")' <<<"$output")" "$LAYERS_DIFF_IDS" "RootFS"
    is "$(jq -r '.[0].History | length' <<<"$output")" 3 "History"
    is "$(jq -r '.[0].Config.Cmd[0]' <<<"$output")" "/bin/sh" "Config.Cmd"
    is "$(jq -r 'keys_unsorted | length' <<<"$output")" 1 "an array of one"
    # Podman indents inspect output with 5 spaces.
    is "${lines[1]}" "     {" "indent"
    run_berth image inspect --format '{{.Id}} {{.Os}} {{len .RootFS.Layers}}' $LY_ID
    is "$output" "$LAYERS_IMAGE_ID linux 3" "template"
    run_berth 125 image inspect nothere
    is "${lines[-1]}" "Error: inspecting object: nothere: image not known"
    run_berth 125 image inspect localhost/layers nothere
    is "$(jq -r '.[0].Id' <<<"${output%Error:*}")" "$LAYERS_IMAGE_ID" "found ones still printed"
    run_berth 125 image inspect 'Bad/Name'
    assert "$output" =~ "^Error: " "bad reference"
}

@test "history: newest first, layer ids and sizes as Podman" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth load -i "$FIX/layers-docker-archive.tar"
    run_berth history localhost/layers
    is "${lines[0]}" "ID            CREATED       CREATED BY                                     SIZE        COMMENT" "header"
    is "${lines[1]}" "$LY_ID  56 years ago  fixture: layers: whiteouts, opaque dir         10.2 kB     " "top"
    is "${lines[2]}" "<missing>     56 years ago  fixture: layers: files, links, owners, setuid  20.5 kB     " "middle"
    # The base layer is busybox's top layer: Podman names it after busybox.
    is "${lines[3]}" "$BB_ID  56 years ago  fixture: busybox-static rootfs                 2.14 MB     " "base"
    run_berth image history -q localhost/layers
    is "$output" "$LY_ID
<missing>
$BB_ID" "-q"
    run_berth history -H=false --format '{{.Created}}' busybox
    is "$output" "1970-01-01T00:00:00Z" "-H=false"
    run_berth history --format json busybox
    is "$output" "[{\"id\":\"$BUSYBOX_IMAGE_ID\",\"created\":\"1970-01-01T00:00:00Z\",\"CreatedBy\":\"fixture: busybox-static rootfs\",\"size\":$BUSYBOX_DIFF_SIZE,\"Created\":\"1970-01-01T00:00:00Z\"}]" "json"
    run_berth 125 history nothere
    is "$output" "Error: nothere: image not known"
    run_berth 125 history
    assert "$output" =~ "accepts 1 arg" "no argument"
}

@test "image exists, tag, untag" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth image exists busybox
    run_berth image exists $BB_ID
    run_berth image exists sha256:$BUSYBOX_IMAGE_ID
    run_berth 1 image exists nothere
    is "$output" "" "exists prints nothing"
    run_berth tag busybox mine 'registry.example.com:5000/team/app:v1'
    run_berth images --format '{{.Repository}}:{{.Tag}}'
    is "$output" "localhost/busybox:latest
localhost/mine:latest
registry.example.com:5000/team/app:v1" "tags"
    run skopeo inspect --raw "oci:$BERTH_TEST_ROOT/images:localhost/mine:latest"
    assert "$status" == 0 "skopeo reads a new tag: $output"
    # A name moves between images.
    run_berth load -i "$FIX/layers-docker-archive.tar"
    run_berth tag localhost/layers mine
    run_berth image inspect --format '{{.Id}}' mine
    is "$output" "$LAYERS_IMAGE_ID" "mine moved to layers"
    run_berth untag busybox registry.example.com:5000/team/app:v1
    run_berth image inspect --format '{{len .RepoTags}}' busybox
    is "$output" "1" "one name left"
    run_berth untag busybox
    run_berth 1 image exists busybox
    run_berth image exists $BB_ID

    run_berth 125 tag nothere x
    is "$output" "Error: nothere: image not known"
    run_berth 125 tag $BB_ID Bad
    assert "$output" =~ '^Error: normalizing name "Bad": .*repository name must be lowercase$' "uppercase"
    run_berth 125 tag $BB_ID 'a@b'
    assert "$output" =~ '^Error: normalizing name "a@b"' "bad reference"
    run_berth 125 tag $BB_ID
    assert "$output" =~ "requires at least 2 arg" "no target"
    run_berth 125 untag localhost/layers localhost/zz:1
    is "$output" "Error: localhost/zz:1: tag not known"
}

@test "rmi: untag by name, delete by id, -f, -a, exit codes, layers go with the last user" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth load -i "$FIX/layers-docker-archive.tar"
    run_berth tag busybox foo:1
    is "$(layer_count)" 3 "three layers (busybox's is shared)"
    run_berth rmi foo:1
    is "$output" "Untagged: localhost/foo:1" "by name: only untagged"
    run_berth tag busybox foo:1
    run_berth 125 rmi $BB_ID
    is "$output" "Error: unable to delete image \"$BUSYBOX_IMAGE_ID\" by ID with more than one tag ([localhost/busybox:latest localhost/foo:1]): please force removal"
    run_berth 1 rmi nothere
    is "$output" "Error: nothere: image not known"
    run_berth 125 rmi
    is "$output" "Error: image name or ID must be specified"
    run_berth 125 rmi -a busybox
    is "$output" "Error: when using the --all switch, you may not pass any images names or IDs"

    # Removing layers keeps busybox's layer, used by busybox.
    local blobs_before
    blobs_before=$(blob_count)
    run_berth rmi localhost/layers
    is "$output" "Untagged: localhost/layers:latest
Deleted: $LAYERS_IMAGE_ID" "rmi output"
    is "$(layer_count)" 1 "shared base layer kept"
    assert "$(blob_count)" -lt "$blobs_before" "the image's own blobs removed"
    run_berth image exists busybox

    run_berth rmi -f $BB_ID
    is "$output" "Untagged: localhost/busybox:latest
Untagged: localhost/foo:1
Deleted: $BUSYBOX_IMAGE_ID" "-f by id"
    is "$(layer_count)" 0 "last layer removed"
    is "$(blob_count)" 0 "no blobs left"
    run skopeo inspect --raw "oci:$BERTH_TEST_ROOT/images:localhost/busybox:latest"
    assert "$status" != 0 "skopeo no longer finds it"

    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth load -i "$FIX/layers-docker-archive.tar"
    run_berth rmi -a
    is "${#lines[@]}" 4 "two untagged, two deleted"
    is "$(layer_count)" 0 "rmi -a: no layers"
    run_berth images -q
    is "$output" "" "rmi -a: no images"
    run_berth rmi -i nothere
    is "$output" "" "-i ignores unknown"
}

@test "image prune: dangling only, -a all, unreferenced blobs and temp leftovers" {
    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth load -i "$FIX/layers-docker-archive.tar"
    run_berth untag localhost/layers
    # A leftover of a killed writer and an unreferenced blob.
    mkdir "$BERTH_TEST_ROOT/images/tmp/load-leftover"
    echo junk >"$BERTH_TEST_ROOT/images/blobs/sha256/$(printf junk | sha256sum | cut -d' ' -f1)"
    run_berth image prune -f
    is "$output" "$LAYERS_IMAGE_ID" "dangling image pruned"
    is "$(layer_count)" 1 "its own layers removed"
    is "$(ls -A "$BERTH_TEST_ROOT/images/tmp")" "" "temp leftovers removed"
    is "$(blob_count)" 3 "only busybox's blobs remain"
    run_berth image prune -f
    is "$output" "" "nothing more to prune"
    run_berth image prune -a -f
    is "$output" "$BUSYBOX_IMAGE_ID" "-a: unused tagged image pruned"
    is "$(layer_count)" 0 "no layers left"
    run_berth 125 image prune </dev/null
    assert "$output" =~ "WARNING! This command removes all dangling images." "prompt"
    assert "$output" =~ "Error: EOF" "EOF on the prompt"
    run_berth image prune <<<"n"
    assert "$output" =~ "Are you sure you want to continue" "declined"
}
