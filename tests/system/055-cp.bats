#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# berth cp / container cp: Podman's path rules in both directions, for
# running, created and exited containers, tar streams on stdin/stdout,
# ownership (--archive), container to container, a container's symlinks
# never reaching host files, and Podman's one-line errors.

load helpers

IMAGE=localhost/busybox:latest

function setup_file() {
    busybox_setup_file
}

function setup() {
    busybox_setup
    HOSTDIR=$BATS_TEST_TMPDIR
}

function teardown() {
    berth_raw rm -a -f -t 0 >/dev/null 2>&1 || true
}

function berth_raw() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@"
}

# A running, a created and an exited container, each with /tmp/in/file.
function make_containers() {
    run_berth run -d --name cp-running $IMAGE sleep 1000
    run_berth create --name cp-created $IMAGE true
    run_berth run --name cp-exited $IMAGE true
}

# cat_in CTR PATH: the file's content, read back through cp to stdout.
function cat_in() {
    berth_raw cp "$1:$2" - | tar -xOf -
}

@test "cp: host to container and back, running, created and exited" {
    make_containers
    printf 'hello\n' >"$HOSTDIR/hello"
    local ctr
    for ctr in cp-running cp-created cp-exited; do
        run_berth cp "$HOSTDIR/hello" $ctr:/tmp/
        run_berth cp $ctr:/tmp/hello "$HOSTDIR/back-$ctr"
        is "$(cat "$HOSTDIR/back-$ctr")" "hello" "$ctr: round trip"
        # The image's files are there too, as the container sees them.
        run_berth cp $ctr:/etc/passwd "$HOSTDIR/passwd-$ctr"
        assert "$(head -1 "$HOSTDIR/passwd-$ctr")" =~ "^root:" "$ctr: the image's /etc/passwd"
    done
    # The running container sees the file at once; the created one once started.
    run_berth exec cp-running cat /tmp/hello
    is "$output" "hello" "running container reads the copied file"
    run_berth start -a cp-created
    run_berth cp cp-created:/tmp/hello -
    # Copies out belong to the caller.
    is "$(stat -c %u:%g "$HOSTDIR/back-cp-running")" "$(id -u):$(id -g)" "owner on the host"
}

@test "cp: Podman's path rules" {
    run_berth run -d --name cp-rules $IMAGE sleep 1000
    mkdir -p "$HOSTDIR/src/sub" "$HOSTDIR/dest"
    echo one >"$HOSTDIR/src/one"
    echo two >"$HOSTDIR/src/sub/two"
    echo file >"$HOSTDIR/file"

    # A file to a missing name: created under that name.
    run_berth cp "$HOSTDIR/file" cp-rules:/tmp/renamed
    is "$(cat_in cp-rules /tmp/renamed)" "file" "file to a new name"
    # Onto an existing file: replaced.
    echo changed >"$HOSTDIR/file"
    run_berth cp "$HOSTDIR/file" cp-rules:/tmp/renamed
    is "$(cat_in cp-rules /tmp/renamed)" "changed" "file replaces a file"
    # A directory into an existing directory: under its own name.
    run_berth cp "$HOSTDIR/src" cp-rules:/tmp
    is "$(cat_in cp-rules /tmp/src/sub/two)" "two" "dir into a dir"
    # A directory to a missing name: created with the contents.
    run_berth cp "$HOSTDIR/src" cp-rules:/tmp/newdir
    is "$(cat_in cp-rules /tmp/newdir/one)" "one" "dir to a new name"
    # SRC/. copies the contents into an existing directory.
    run_berth exec cp-rules mkdir /tmp/existing
    run_berth cp "$HOSTDIR/src/." cp-rules:/tmp/existing
    is "$(cat_in cp-rules /tmp/existing/one)" "one" "dir/. into a dir"
    run_berth exec cp-rules ls /tmp/existing
    is "$output" $'one\nsub' "only the contents, no src/"

    # The same rules out of the container.
    run_berth cp cp-rules:/tmp/src "$HOSTDIR/dest"
    is "$(cat "$HOSTDIR/dest/src/sub/two")" "two" "container dir into a host dir"
    run_berth cp cp-rules:/tmp/src/. "$HOSTDIR/dest/contents"
    is "$(cat "$HOSTDIR/dest/contents/one")" "one" "container dir/. to a new host dir"
    run_berth cp cp-rules:/tmp/renamed "$HOSTDIR/dest/out"
    is "$(cat "$HOSTDIR/dest/out")" "changed" "container file to a new host file"
    # A symlink is copied as its target, under the target's name.
    run_berth exec cp-rules ln -s /tmp/renamed /tmp/link
    run_berth cp cp-rules:/tmp/link "$HOSTDIR/dest"
    is "$(cat "$HOSTDIR/dest/renamed")" "changed" "link copied as its target"

    # Container relative paths start at its root.
    run_berth cp cp-rules:tmp/renamed "$HOSTDIR/dest/relative"
    is "$(cat "$HOSTDIR/dest/relative")" "changed" "relative container path"
}

@test "cp: bad arguments and missing paths, one line, exit 125" {
    run_berth run -d --name cp-errs $IMAGE sleep 1000
    mkdir -p "$HOSTDIR/dir"
    echo x >"$HOSTDIR/file"

    run_berth 125 cp cp-errs:/nope "$HOSTDIR/x"
    is "$output" 'Error: "/nope" could not be found on container cp-errs: no such file or directory'
    run_berth 125 cp "$HOSTDIR/nope" cp-errs:/tmp
    is "$output" "Error: \"$HOSTDIR/nope\" could not be found on the host: no such file or directory"
    run_berth 125 cp "$HOSTDIR/file" cp-errs:/nodir/x
    is "$output" 'Error: "/nodir/x" could not be found on container cp-errs: no such file or directory'
    run_berth 125 cp "$HOSTDIR/file" cp-errs:/tmp/newdir/
    is "$output" 'Error: "/tmp/newdir/" could not be found on container cp-errs: no such file or directory'
    run_berth 125 cp cp-errs:/etc/passwd "$HOSTDIR/nonexist/"
    is "$output" "Error: \"$HOSTDIR/nonexist/\" could not be found on the host: no such file or directory"
    run_berth 125 cp "$HOSTDIR/dir" cp-errs:/etc/passwd
    is "$output" "Error: destination must be a directory when copying a directory"
    run_berth 125 cp "$HOSTDIR/file" "$HOSTDIR/other"
    is "$output" "Error: name or ID cannot be empty" "neither is a container"
    run_berth 125 cp cp-errs: "$HOSTDIR"
    is "$output" "Error: invalid arguments \"cp-errs:\", \"$HOSTDIR\": you must specify paths"
    run_berth 125 cp no-such-ctr:/etc "$HOSTDIR"
    is "$output" 'Error: container "no-such-ctr" does not exist'
    run_berth 125 cp "$HOSTDIR/file"
    is "$output" "Error: accepts 2 arg(s), received 1"
    # Directory and non-directory do not replace each other without --overwrite.
    run_berth exec cp-errs mkdir -p /tmp/d/file
    run_berth 125 cp "$HOSTDIR/file" cp-errs:/tmp/d
    assert "$output" =~ '^Error: cannot overwrite directory "/tmp/d/file" with non-directory' "dir kept"
    run_berth cp --overwrite "$HOSTDIR/file" cp-errs:/tmp/d
    is "$(cat_in cp-errs /tmp/d/file)" "x" "--overwrite replaces the directory"
    # Nothing half-written: the failed copies left no files.
    run_berth exec cp-errs ls /tmp
    is "$output" "d" "only what succeeded"
}

@test "cp: tar streams on stdin and stdout" {
    run_berth run -d --name cp-tar $IMAGE sleep 1000
    mkdir -p "$HOSTDIR/tree/sub"
    echo a >"$HOSTDIR/tree/sub/a"
    ln -s sub/a "$HOSTDIR/tree/link"
    tar -C "$HOSTDIR" -cf "$HOSTDIR/in.tar" tree
    berth_raw cp - cp-tar:/tmp <"$HOSTDIR/in.tar"
    run_berth exec cp-tar cat /tmp/tree/link
    is "$output" "a" "extracted, symlink included"

    berth_raw cp cp-tar:/tmp/tree - >"$HOSTDIR/out.tar"
    run tar -tf "$HOSTDIR/out.tar"
    is "$output" $'tree/\ntree/link\ntree/sub/\ntree/sub/a' "the directory under its name"
    berth_raw cp cp-tar:/tmp/tree/. - >"$HOSTDIR/contents.tar"
    run tar -tf "$HOSTDIR/contents.tar"
    is "$output" $'link\nsub/\nsub/a' "dir/. gives the contents"

    # stdin needs an existing directory and a tar.
    run_berth 125 cp - cp-tar:/tmp/tree/sub/a <"$HOSTDIR/in.tar"
    is "$output" "Error: destination must be a directory when copying from stdin"
    run_berth 125 cp - cp-tar:/tmp/missing <"$HOSTDIR/in.tar"
    is "$output" "Error: destination must be a directory when copying from stdin"
    head -c 2048 /dev/urandom >"$HOSTDIR/junk"
    run_berth 125 cp - cp-tar:/tmp <"$HOSTDIR/junk"
    is "$output" "Error: source must be a (compressed) tar archive when copying from stdin"
    # A tar that climbs out of the directory is refused.
    python3 - "$HOSTDIR/climb.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"x\n"
    info = tarfile.TarInfo("../../../../climbed")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
EOF
    run_berth 125 cp - cp-tar:/tmp <"$HOSTDIR/climb.tar"
    is "$output" 'Error: invalid tar entry "../../../../climbed": a path with ".."'
    run_berth 1 exec cp-tar ls /climbed
}

@test "cp: --archive gives copied files the container's user" {
    run_berth run -d --name cp-owner --user 1000:1000 $IMAGE sleep 1000
    echo x >"$HOSTDIR/f"
    run_berth cp "$HOSTDIR/f" cp-owner:/tmp/
    run_berth exec cp-owner stat -c %u:%g /tmp/f
    is "$output" "1000:1000" "default: the container's uid/gid"
    run_berth cp --archive=false "$HOSTDIR/f" cp-owner:/tmp/g
    run_berth exec cp-owner stat -c %u:%g /tmp/g
    is "$output" "0:0" "--archive=false: the source's owner (the caller, root inside)"
    # Into a stopped container too.
    run_berth create --name cp-owner2 --user 1000:1000 $IMAGE true
    run_berth cp "$HOSTDIR/f" cp-owner2:/tmp/
    berth_raw cp cp-owner2:/tmp/f - >"$HOSTDIR/f.tar"
    run tar --numeric-owner -tvf "$HOSTDIR/f.tar"
    assert "$output" =~ " 1000/1000 " "stopped container: the container's uid/gid"
}

@test "cp: container to container" {
    run_berth run -d --name cp-from $IMAGE sh -c 'echo payload >/tmp/p; sleep 1000'
    run_berth create --name cp-to $IMAGE true
    sleep 0.5
    run_berth cp cp-from:/tmp/p cp-to:/tmp/q
    is "$(cat_in cp-to /tmp/q)" "payload" "running to created"
    run_berth cp cp-to:/tmp/q cp-to:/q2
    is "$(cat_in cp-to /q2)" "payload" "within one stopped container"
}

@test "cp: a container's symlinks never reach host files" {
    local marker=berth-cp-escape-$$
    # A stopped container whose /escape points to /etc and /climb climbs out.
    run_berth run --name cp-esc $IMAGE sh -c \
        'ln -s /etc /escape; ln -s ../../../../../../../etc /climb; echo inside >/etc/marker'
    # And a running one.
    run_berth run -d --name cp-esc-run $IMAGE sh -c \
        'ln -s /etc /escape; ln -s ../../../../../../../etc /climb; echo inside >/etc/marker; sleep 1000'
    sleep 0.5
    echo evil >"$HOSTDIR/evil"
    local ctr link
    for ctr in cp-esc cp-esc-run; do
        for link in escape climb; do
            # Reading through the link gives the container's files.
            run_berth cp $ctr:/$link/marker "$HOSTDIR/m"
            is "$(cat "$HOSTDIR/m")" "inside" "$ctr /$link: the container's /etc"
            run_berth cp $ctr:/$link/passwd "$HOSTDIR/p"
            run grep -c "^$(id -un):" "$HOSTDIR/p"
            if [[ $(id -un) != root ]]; then
                is "$output" "0" "$ctr /$link/passwd is not the host's"
            fi
            cmp -s "$HOSTDIR/p" /etc/passwd && die "$ctr /$link/passwd is the host's /etc/passwd"
            # Writing through the link lands in the container.
            run_berth cp "$HOSTDIR/evil" $ctr:/$link/$marker
            [[ ! -e /etc/$marker ]] || { rm -f "/etc/$marker"; die "$ctr /$link: wrote the host's /etc"; }
            is "$(cat_in $ctr /etc/$marker)" "evil" "$ctr /$link: written into the container's /etc"
            # A tar through the link, too.
            tar -C "$HOSTDIR" -cf "$HOSTDIR/evil.tar" evil
            berth_raw cp - $ctr:/$link <"$HOSTDIR/evil.tar"
            [[ ! -e /etc/evil ]] || die "$ctr /$link: the tar wrote the host's /etc/evil"
            is "$(cat_in $ctr /etc/evil)" "evil" "$ctr /$link: tar extracted in the container"
        done
    done
}
