#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Volumes and mounts, root and rootless: named volumes (create, ls,
# inspect, rm, prune, exists, export, import), data kept across containers,
# copy-up, anonymous volumes, image VOLUMEs, in-use refusal, mount options
# (ro, U, O, tmpfs size), --mount type=volume, --volumes-from, bad input.

load helpers

IMAGE=localhost/busybox:latest

function setup_file() {
    busybox_setup_file
}

function setup() {
    busybox_setup
}

function teardown() {
    remove_all_containers
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        volume rm -a -f >/dev/null 2>&1 || true
}

# The host uid that the container's uid $1 is: itself as root, mapped
# through /etc/subuid rootless (0 is the user, 1.. the subordinate range).
function host_uid() {
    if ! is_rootless; then
        echo "$1"
        return
    fi
    if [[ "$1" -eq 0 ]]; then
        id -u
        return
    fi
    local base
    base=$(awk -F: -v u="$(id -un)" '$1 == u || $1 == uid { print $2; exit }' uid="$(id -u)" /etc/subuid)
    echo $((base + $1 - 1))
}

@test "volume create, ls, inspect, exists, rm: Podman's output" {
    run_berth volume create vol1
    is "$output" "vol1"
    run_berth volume create --label a=b --label c vol2
    run_berth volume create
    local anon=$output
    assert "$anon" =~ "^[0-9a-f]{64}$" "a generated name"

    run_berth volume ls
    is "${lines[0]}" "DRIVER      VOLUME NAME" "header"
    assert "$output" =~ "local       vol1" "vol1 listed"
    run_berth volume ls -q
    is "$(echo "$output" | sort | tr '\n' ' ')" "$(printf '%s\n' "$anon" vol1 vol2 | sort | tr '\n' ' ')"
    run_berth volume ls --filter label=a --format '{{.Name}} {{.Driver}} {{.Labels}}'
    is "$output" "vol2 local map[a:b c:]"
    run_berth volume ls --filter name=vol1 --format '{{.Mountpoint}}'
    is "$output" "$BERTH_TEST_ROOT/volumes/vol1/_data"
    [[ -d "$BERTH_TEST_ROOT/volumes/vol1/_data" ]] || die "no _data directory"

    run_berth volume inspect vol2
    run jq -r '.[0] | "\(.Name) \(.Driver) \(.Scope) \(.Labels.a) \(.MountCount) \(.NeedsCopyUp) \(.NeedsChown)"' <<<"$output"
    is "$output" "vol2 local local b 0 true true"
    run_berth volume inspect --format '{{.Name}}:{{.Scope}}' vol1
    is "$output" "vol1:local"
    run_berth volume ls --format json
    run jq -r 'length' <<<"$output"
    is "$output" "3"

    run_berth volume exists vol1
    run_berth 1 volume exists nope

    run_berth volume rm vol1 vol2 "$anon"
    is "$output" "vol1
vol2
$anon"
    run_berth volume ls
    is "$output" "" "nothing, not even a header, without volumes"
    run_berth volume ls --format json
    is "$output" "[]"
}

@test "volume: bad input is one line, exit 125, nothing made" {
    run_berth 125 volume create 'bad/name'
    is "$output" 'Error: volume name "bad/name" is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument'
    run_berth volume create dup
    run_berth 125 volume create dup
    is "$output" "Error: volume with name dup already exists: volume already exists"
    run_berth volume create --ignore dup
    is "$output" "dup" "--ignore: the existing volume"
    run_berth 125 volume create --opt foo=bar x1
    is "$output" "Error: invalid mount option foo for driver 'local': invalid argument"
    run_berth 125 volume create --driver nfs x2
    run_berth 1 volume exists x1
    run_berth 1 volume exists x2
    run_berth 125 volume ls --filter bogus=1
    is "$output" 'Error: "bogus" is an invalid volume filter'
    run_berth 1 volume rm nope
    is "$output" 'Error: no volume with name "nope" found: no such volume'
    run_berth 125 volume inspect nope
    is "$output" "[]
Error: inspecting object: no such volume nope" "Podman prints the empty list, then the error"
    run ls -A "$BERTH_TEST_ROOT/volumes"
    is "$output" "dup" "no half-made volume left behind"
}

@test "volume: data written by one container is read by the next" {
    run_berth run --rm -v data:/data $IMAGE sh -c 'echo hello > /data/file'
    run_berth volume exists data
    run_berth run --rm -v data:/mnt:ro $IMAGE cat /mnt/file
    is "$output" "hello"
    # Volumes survive the removal of the containers that used them.
    run_berth run --name user1 -v data:/data $IMAGE true
    run_berth rm user1
    run_berth volume exists data
    run_berth run --rm --mount type=volume,src=data,dst=/m $IMAGE cat /m/file
    is "$output" "hello" "--mount type=volume"
}

@test "volume: copy-up fills a new volume from the image, not an existing one" {
    run_berth run --rm -v fresh:/etc $IMAGE cat /etc/passwd
    assert "$output" =~ "root:x:0:0" "the image's /etc copied into the new volume"
    [[ -f "$BERTH_TEST_ROOT/volumes/fresh/_data/passwd" ]] || die "passwd not in the volume"
    run_berth volume inspect --format '{{.NeedsCopyUp}}' fresh
    is "$output" "false"

    # A volume that already has content is never filled.
    run_berth volume create used
    run_berth run --rm -v used:/data $IMAGE sh -c 'echo mine > /data/own'
    run_berth run --rm -v used:/etc $IMAGE ls /etc
    assert "$output" =~ "own" "the existing volume's content"
    assert "$output" !~ "passwd" "not the image's"
    [[ ! -e "$BERTH_TEST_ROOT/volumes/used/_data/passwd" ]] || die "copied into a used volume"

    # nocopy: a new volume stays empty.
    run_berth run --rm -v empty:/etc:nocopy $IMAGE ls -A /etc
    assert "$output" !~ "passwd" "nocopy"
    [[ ! -e "$BERTH_TEST_ROOT/volumes/empty/_data/passwd" ]] || die "nocopy copied"
}

@test "volume: ro is enforced; rw by default" {
    run_berth run --rm -v rov:/data $IMAGE touch /data/ok
    run_berth 1 run --rm -v rov:/data:ro $IMAGE touch /data/no
    assert "$output" =~ "Read-only file system"
    run_berth 1 run --rm --mount type=volume,src=rov,dst=/data,ro $IMAGE touch /data/no
    local dir
    dir=$(mktemp -d "$BERTH_TEST_TMP/berth-bind.XXXXXX")
    run_berth 1 run --rm -v "$dir:/b:ro" $IMAGE touch /b/no
    assert "$output" =~ "Read-only file system"
    [[ ! -e "$dir/no" ]] || die "a read-only bind was written"
    rm -rf "$dir"
}

@test "volume: anonymous volumes go with --rm and rm -v; named ones stay" {
    run_berth run --rm -v /anon -v keep:/keep $IMAGE true
    run_berth volume ls -q
    is "$output" "keep" "the anonymous volume went with --rm"

    run_berth create --name anonctr -v /anon $IMAGE true
    run_berth volume ls -q --filter name=keep
    run_berth inspect --format '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}' anonctr
    assert "$output" =~ "^volume [0-9a-f]{64} /anon$"
    local name
    name=$(cut -d' ' -f2 <<<"$output")
    run_berth volume inspect --format '{{.Anonymous}}' "$name"
    is "$output" "true"
    run_berth rm -v anonctr
    run_berth 1 volume exists "$name"
    run_berth volume exists keep

    # Without -v an anonymous volume stays.
    run_berth create --name anonctr2 -v /anon $IMAGE true
    run_berth inspect --format '{{range .Mounts}}{{.Name}}{{end}}' anonctr2
    name=$output
    run_berth rm anonctr2
    run_berth volume exists "$name"
}

@test "volume: image VOLUME entries become anonymous volumes, filled from the image" {
    run_berth import --change 'VOLUME ["/etc"]' "$BERTH_FIXTURES/busybox-rootfs.tar" localhost/withvol
    run_berth create --name imgvol localhost/withvol cat /etc/passwd
    run_berth inspect --format '{{range .Mounts}}{{.Type}} {{.Destination}}{{end}}' imgvol
    is "$output" "volume /etc"
    run_berth start -a imgvol
    assert "$output" =~ "root:x:0:0" "copy-up into the image volume"
    run_berth rm -v imgvol
    run_berth volume ls -q
    is "$output" ""
    # A user mount at the same path replaces the image's volume.
    run_berth run --rm -v mine:/etc localhost/withvol true
    run_berth volume ls -q
    is "$output" "mine"
    run_berth rmi localhost/withvol
}

@test "volume rm refuses a volume in use; -f removes its containers" {
    run_berth create --name holder -v inuse:/data $IMAGE true
    local id
    id=$(jq -r '.[0].Id' <<<"$("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" inspect holder)")
    run_berth 2 volume rm inuse
    is "$output" "Error: volume inuse is being used by the following container(s): $id: volume is being used"
    run_berth volume exists inuse
    run_berth volume prune -f
    is "$output" "" "prune leaves a used volume"
    run_berth volume ls --filter dangling=false -q
    is "$output" "inuse"
    run_berth volume rm -f inuse
    is "$output" "inuse"
    run_berth 1 container exists holder

    run_berth volume create unused1
    run_berth volume create --label k=v unused2
    run_berth volume prune -f --filter label=k=v
    is "$output" "unused2"
    run_berth volume prune -f
    is "$output" "unused1"
}

@test "volume: a rootless container's root writes, a -u 1000 container reads" {
    run_berth run --rm -v shared:/data $IMAGE sh -c 'echo from-root > /data/f; chmod 644 /data/f'
    run_berth run --rm -u 1000 -v shared:/data $IMAGE cat /data/f
    is "$output" "from-root"
    run_berth 1 run --rm -u 1000 -v shared:/data $IMAGE touch /data/g
    assert "$output" =~ "Permission denied" "the volume belongs to the container's root"
    # A new volume used first by a -u 1000 container is that user's.
    run_berth run --rm -u 1000:1000 -v byuser:/newdir $IMAGE sh -c 'touch /newdir/x && stat -c %u:%g /newdir'
    is "$output" "1000:1000"
}

@test "volume: :U gives the container user ownership, on the host too" {
    local dir
    dir=$(mktemp -d "$BERTH_TEST_TMP/berth-u.XXXXXX")
    chmod 755 "$dir"
    touch "$dir/file"
    run_berth run --rm -u 1000:1000 -v "$dir:/d:U" $IMAGE sh -c 'stat -c %u:%g /d /d/file; touch /d/new'
    is "$output" "1000:1000
1000:1000"
    local want
    want=$(host_uid 1000)
    is "$(stat -c %u "$dir")" "$want" "the host sees the mapped uid"
    is "$(stat -c %u "$dir/file")" "$want"
    is "$(stat -c %u "$dir/new")" "$want"
    run_berth unshare rm -rf "$dir" 2>/dev/null || rm -rf "$dir"
    [[ ! -e "$dir" ]] || rm -rf "$dir"

    run_berth run --rm -u 1000:1000 --mount type=volume,src=uvol,dst=/u,U=true $IMAGE stat -c %u /u
    is "$output" "1000"
}

@test "volume: :O overlays a host directory; the host is never written" {
    local dir
    dir=$(mktemp -d "$BERTH_TEST_TMP/berth-o.XXXXXX")
    chmod 755 "$dir"
    echo lower > "$dir/file"
    run_berth run --rm -v "$dir:/o:O" $IMAGE sh -c 'cat /o/file; echo upper > /o/file; echo new > /o/new; cat /o/file'
    is "$output" "lower
upper"
    is "$(cat "$dir/file")" "lower" "the host file is unchanged"
    [[ ! -e "$dir/new" ]] || die "the overlay wrote to the host"
    # :O,U: the container's upper is chowned, never the source.
    run_berth run --rm -u 1000:1000 -v "$dir:/o:O,U" $IMAGE \
        sh -c 'stat -c %u:%g /o; touch /o/mine && echo wrote'
    is "${lines[0]}" "1000:1000" "the container user owns the overlay's root"
    is "${lines[1]}" "wrote"
    is "$(stat -c %u:%g "$dir" "$dir/file")" "$(id -u):$(id -g)
$(id -u):$(id -g)" "the host directory's owners are unchanged"
    rm -rf "$dir"
}

@test "volume: noexec, nosuid, nodev and propagation reach the mount" {
    local dir
    dir=$(mktemp -d "$BERTH_TEST_TMP/berth-opt.XXXXXX")
    chmod 755 "$dir"
    printf '#!/bin/sh\necho ran\n' >"$dir/script"
    chmod 755 "$dir/script"
    run_berth run --rm -v "$dir:/d" $IMAGE /d/script
    is "$output" "ran" "a bind mount allows exec by default"
    run_berth 126 run --rm -v "$dir:/d:noexec" $IMAGE /d/script
    assert "$output" =~ "Permission denied" "noexec"
    # mountinfo: field 6 holds the mount's own flags, then the optional
    # fields (shared:N for a shared mount).
    run_berth run --rm -v "$dir:/d:nosuid,nodev,noexec" $IMAGE \
        sh -c "grep ' /d ' /proc/self/mountinfo | cut -d' ' -f6"
    assert "$output" =~ "(^|,)nosuid(,|$)" "nosuid"
    assert "$output" =~ "(^|,)nodev(,|$)" "nodev"
    assert "$output" =~ "(^|,)noexec(,|$)" "noexec"
    run_berth run --rm -v optvol:/v $IMAGE sh -c "grep ' /v ' /proc/self/mountinfo | cut -d' ' -f6"
    assert "$output" =~ "nosuid,nodev" "a volume is nosuid and nodev by default"
    run_berth run --rm -v "$dir:/d:rshared" $IMAGE grep ' /d ' /proc/self/mountinfo
    assert "$output" =~ " shared:[0-9]+ " "rshared"
    run_berth run --rm -v "$dir:/d" $IMAGE grep ' /d ' /proc/self/mountinfo
    assert "$output" !~ "shared:" "rprivate by default"
    rm -rf "$dir"
}

@test "volume: tmpfs size and mode are enforced" {
    run_berth 1 run --rm --mount type=tmpfs,dst=/t,tmpfs-size=1m $IMAGE \
        sh -c 'dd if=/dev/zero of=/t/big bs=1024 count=2048'
    assert "$output" =~ "No space left on device"
    run_berth run --rm --mount type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700 $IMAGE \
        sh -c 'stat -c %a /t; df -k /t | tail -1'
    is "${lines[0]}" "700"
    assert "${lines[1]}" =~ " 1024 " "a 1 MiB tmpfs"
    run_berth 1 run --rm --tmpfs /t:size=512k $IMAGE sh -c 'dd if=/dev/zero of=/t/big bs=1024 count=1024'
    assert "$output" =~ "No space left on device"

    # A volume of type tmpfs: mounted with its own options.
    run_berth volume create --opt type=tmpfs --opt device=tmpfs --opt o=size=1m tvol
    run_berth 1 run --rm -v tvol:/tv $IMAGE sh -c 'dd if=/dev/zero of=/tv/big bs=1024 count=2048'
    assert "$output" =~ "No space left on device"
}

@test "volume: a local bind-backed volume (type=none, device=DIR)" {
    local dir
    dir=$(mktemp -d "$BERTH_TEST_TMP/berth-dev.XXXXXX")
    chmod 755 "$dir"
    echo there > "$dir/f"
    run_berth volume create --opt type=none --opt o=bind --opt device="$dir" bindvol
    run_berth volume inspect --format '{{.Options.device}} {{.Options.type}}' bindvol
    is "$output" "$dir none"
    run_berth run --rm -v bindvol:/b $IMAGE cat /b/f
    is "$output" "there"
    run_berth volume rm bindvol
    [[ -f "$dir/f" ]] || die "removing the volume removed the device's content"
    rm -rf "$dir"

    run_berth volume create --uid 1000 --gid 1000 owned
    run_berth volume inspect --format '{{.UID}}:{{.GID}}' owned
    is "$output" "1000:1000"
    run_berth run --rm -v owned:/o $IMAGE stat -c %u:%g /o
    is "$output" "1000:1000"
}

@test "volume: --volumes-from shares the volumes and binds of another container" {
    run_berth create --name source -v fromvol:/data $IMAGE true
    run_berth run --rm --volumes-from source $IMAGE sh -c 'echo shared > /data/f'
    run_berth run --rm --volumes-from source:ro $IMAGE cat /data/f
    is "$output" "shared"
    run_berth 1 run --rm --volumes-from source:ro $IMAGE touch /data/g
    run_berth 125 run --rm --volumes-from nosuchctr $IMAGE true
    is "$output" 'Error: no container with name or ID "nosuchctr" found: no such container'
    run_berth 125 run --rm --volumes-from source:bogus $IMAGE true
    assert "$output" =~ "^Error: invalid option \"bogus\""
}

@test "volume: inspect Mounts as Podman shows them" {
    local dir
    dir=$(mktemp -d "$BERTH_TEST_TMP/berth-m.XXXXXX")
    run_berth create --name mctr -v mvol:/data -v mvol2:/x:ro,z -v "$dir:/h:ro" $IMAGE true
    run_berth inspect --format '{{json .Mounts}}' mctr
    run jq -c '.[]' <<<"$output"
    is "${lines[0]}" "{\"Type\":\"volume\",\"Name\":\"mvol\",\"Source\":\"$BERTH_TEST_ROOT/volumes/mvol/_data\",\"Destination\":\"/data\",\"Driver\":\"local\",\"Mode\":\"\",\"Options\":[\"nosuid\",\"nodev\",\"rbind\"],\"RW\":true,\"Propagation\":\"rprivate\"}"
    is "${lines[1]}" "{\"Type\":\"volume\",\"Name\":\"mvol2\",\"Source\":\"$BERTH_TEST_ROOT/volumes/mvol2/_data\",\"Destination\":\"/x\",\"Driver\":\"local\",\"Mode\":\"z\",\"Options\":[\"nosuid\",\"nodev\",\"rbind\"],\"RW\":false,\"Propagation\":\"rprivate\"}"
    is "${lines[2]}" "{\"Type\":\"bind\",\"Source\":\"$dir\",\"Destination\":\"/h\",\"Driver\":\"\",\"Mode\":\"\",\"Options\":[\"rbind\"],\"RW\":false,\"Propagation\":\"rprivate\"}"
    rmdir "$dir"
}

@test "volume export and import: a round trip" {
    run_berth run --rm -v exp:/data $IMAGE sh -c 'mkdir /data/d; echo content > /data/d/f; ln -s d/f /data/link'
    local tar=$BERTH_TEST_TMP/berth-vol-$$.tar
    run_berth volume export exp --output "$tar"
    run tar -tf "$tar"
    assert "$output" =~ "d/f" "the file is in the archive"
    run_berth volume create imp
    run_berth volume import imp "$tar"
    run_berth run --rm -v imp:/data $IMAGE sh -c 'cat /data/d/f; readlink /data/link'
    is "$output" "content
d/f"
    # From standard input too.
    run_berth volume create imp2
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" volume import imp2 - <"$tar"
    run_berth run --rm -v imp2:/data $IMAGE cat /data/d/f
    is "$output" "content"
    rm -f "$tar"
    run_berth 125 volume export nope --output "$tar"
    is "$output" 'Error: no volume with name "nope" found: no such volume'
    [[ ! -e "$tar" ]] || die "a failed export left a file"
}

@test "volume: bad -v and --mount values: one line, exit 125, nothing made" {
    run_berth 125 run --rm -v :/x $IMAGE true
    is "$output" "Error: host directory cannot be empty"
    run_berth 125 run --rm -v /tmp:relative $IMAGE true
    is "$output" 'Error: invalid container path "relative", must be an absolute path'
    run_berth 125 run --rm --mount type=volume,src=v,dst=/x,foo=bar $IMAGE true
    is "$output" "Error: foo: invalid mount option"
    run_berth 125 run --rm --mount type=volume,src=v $IMAGE true
    is "$output" "Error: must set volume destination"
    run_berth 125 run --rm --mount type=tmpfs,dst=/t,tmpfs-size=lots $IMAGE true
    assert "$output" =~ "^Error: .*lots" "names the bad size"
    run_berth 125 run --rm -v 'bad@name:/x' $IMAGE true
    assert "$output" =~ '^Error: volume name "bad@name" is invalid'
    run_berth 125 run --rm -v data:/x:bogus $IMAGE true
    is "$output" 'Error: invalid option type "bogus"'
    # idmap: berth has no container user namespace to map into.
    run_berth 125 run --rm -v /tmp:/x:idmap $IMAGE true
    assert "$output" =~ '^Error: volume option "idmap" is not supported: .*no user namespace'
    assert "${#lines[@]}" == 1 "one line"
    run_berth 125 run --rm --mount type=bind,src=/tmp,dst=/x,idmap $IMAGE true
    assert "$output" =~ '^Error: volume option "idmap" is not supported: '
    run_berth 125 run --rm -v data:/x:ro,ro $IMAGE true
    is "$output" 'Error: invalid options "ro, ro", can only specify 1 '"'rw' or 'ro'"' option'
    run_berth 125 run --rm --tmpfs /t:size=lots $IMAGE true
    assert "$output" =~ '^Error: invalid tmpfs size "lots"'
    run_berth volume ls -q
    is "$output" "" "no volume made by a failed run"
    run_berth ps -a -q
    is "$output" "" "no container made"
}
