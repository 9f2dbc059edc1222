#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# exec: a process in a running container, root and rootless: exit codes,
# the container's namespaces, capabilities, seccomp, cgroup, user, env,
# stdin, detached sessions in inspect, bad input.

load helpers

IMAGE=localhost/busybox:latest
CTR=exec-ctr

# setup_file, setup and teardown of a file of busybox container tests.
busybox_tests

# The inspect ExecIDs of $CTR, each followed by a space.
function exec_ids() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        inspect --format '{{range .ExecIDs}}{{.}} {{end}}' $CTR
}

@test "exec: exit codes 0, 3, 126, 127; a stopped or unknown container is 125" {
    run_berth run -d --name $CTR $IMAGE sleep 1000
    run_berth exec $CTR true
    is "$output" "" "no output"
    run_berth 3 exec $CTR sh -c 'exit 3'
    run_berth 127 exec $CTR no-such-command
    assert "$output" =~ "no-such-command" "127 names the command"
    run_berth 126 exec $CTR /etc/passwd
    assert "$output" =~ "/etc/passwd" "126 names the file"
    run_berth 126 exec $CTR /etc
    run_berth container exec $CTR echo via container exec
    is "$output" "via container exec"
    run_berth exec -l echo latest
    is "$output" "latest" "-l: the latest container"

    run_berth 125 exec no-such-ctr true
    is "$output" "Error: no container with name or ID \"no-such-ctr\" found: no such container"
    run_berth stop -t 0 $CTR
    run_berth 125 exec $CTR true
    is "$output" "Error: can only create exec sessions on running containers: container state improper"
    run_berth create --name exec-created $IMAGE true
    run_berth 125 exec exec-created true
    is "$output" "Error: can only create exec sessions on running containers: container state improper"
}

@test "exec: the container's pid, mount, uts, ipc and net namespaces" {
    run_berth run -d --name $CTR -h exec-host $IMAGE sleep 1000
    run_berth exec $CTR sh -c 'tr "\0" " " </proc/1/cmdline; echo; hostname; echo $$'
    is "${lines[0]}" "sleep 1000 " "pid 1 is the container's command"
    is "${lines[1]}" "exec-host" "the container's hostname"
    assert "${lines[2]}" -gt 1 "a pid of the container's pid namespace"
    local ns
    for ns in pid mnt uts ipc net; do
        run_berth exec $CTR sh -c "readlink /proc/1/ns/$ns; readlink /proc/self/ns/$ns"
        is "${lines[0]}" "${lines[1]}" "same $ns namespace as pid 1"
    done
    # The container's root: a file written by the container is there.
    run_berth exec $CTR sh -c 'echo made-inside > /tmp/f'
    run_berth exec $CTR cat /tmp/f
    is "$output" "made-inside"
}

@test "exec: the container's capabilities, seccomp and no_new_privs; --privileged" {
    local flags
    for flags in "" "--cap-drop CHOWN,KILL --cap-add NET_ADMIN" "--cap-drop ALL" "--privileged"; do
        # shellcheck disable=SC2086
        run_berth run --rm $flags $IMAGE grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status
        local expected=$output
        # shellcheck disable=SC2086
        run_berth run -d --name $CTR $flags $IMAGE sleep 1000
        run_berth exec $CTR grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status
        is "$output" "$expected" "exec has what run has ($flags)"
        run_berth rm -f -t 0 $CTR
    done

    run_berth run -d --name $CTR --security-opt no-new-privileges $IMAGE sleep 1000
    run_berth exec $CTR grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status
    is "$output" $'NoNewPrivs:\t1\nSeccomp:\t2' "no_new_privs and seccomp as the container"
    run_berth rm -f -t 0 $CTR

    # exec --privileged: every capability run --privileged gets, no seccomp.
    run_berth run --rm --privileged $IMAGE grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status
    local privileged=$output
    run_berth run -d --name $CTR --cap-drop ALL $IMAGE sleep 1000
    run_berth exec --privileged $CTR grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status
    is "$output" "$privileged" "exec --privileged"
    run_berth rm -f -t 0 $CTR

    # The container's own seccomp profile: mkdir denied with EPERM.
    local profile="$BERTH_TEST_ROOT/deny-mkdir.json"
    cat >"$profile" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
    run_berth run -d --name $CTR --security-opt seccomp="$profile" $IMAGE sleep 1000
    run_berth 1 exec $CTR mkdir /tmp/d
    assert "$output" =~ "Operation not permitted" "the container's filter applies to exec"
    run_berth exec $CTR touch /tmp/f
    run_berth exec --privileged $CTR mkdir /tmp/d
    # Later execs load the program kept in the container's run dir.
    run_berth 1 exec $CTR mkdir /tmp/d2
    assert "$output" =~ "Operation not permitted" "the kept program is the container's"
}

@test "exec: -u (name, uid, uid:gid, groups), the container's user, non-root capabilities" {
    run_berth run -d --name $CTR $IMAGE sleep 1000
    run_berth exec $CTR sh -c 'id -u; id -g'
    is "$output" $'0\n0' "the container's user: root"
    run_berth exec -u nobody $CTR sh -c 'id -un; id -u'
    is "$output" $'nobody\n65534'
    run_berth exec -u 1000:1000 $CTR sh -c 'id -u; id -g'
    is "$output" $'1000\n1000'
    run_berth exec -u 4321 $CTR sh -c 'id -u; id -g'
    is "$output" $'4321\n0' "a uid without a passwd entry: gid 0"
    run_berth exec -u user:nobody $CTR id -g
    is "$output" "65534" "a group by name"
    # Supplementary groups from the container's /etc/group, read at exec.
    run_berth exec $CTR sh -c 'echo "extra:x:1234:user" >> /etc/group'
    run_berth exec -u user $CTR id -G
    is "$output" "1000 1234" "supplementary groups"
    run_berth exec -u user $CTR grep CapEff /proc/self/status
    assert "$output" =~ "CapEff:	0000000000000000" "another user than the container's gets no capability"
    run_berth 125 exec -u no-such-user $CTR true
    is "$output" "Error: unable to find user no-such-user: no matching entries in passwd file"
    run_berth 125 exec -u user:no-such-group $CTR true
    is "$output" "Error: unable to find group no-such-group: no matching entries in group file"
    run_berth rm -f -t 0 $CTR

    run_berth run -d --name $CTR -u 1000 $IMAGE sleep 1000
    run_berth exec $CTR id -u
    is "$output" "1000" "the container's -u is exec's default"
}

@test "exec: -w, the container's cwd, -e, --env-file and the container's env" {
    run_berth run -d --name $CTR -w /srv -e FROM_RUN=ctr -e OVER=ctr $IMAGE sleep 1000
    run_berth exec $CTR pwd
    is "$output" "/srv" "the container's working directory"
    run_berth exec -w /tmp $CTR pwd
    is "$output" "/tmp"
    run_berth 125 exec -w /no/such/dir $CTR pwd
    assert "$output" =~ "/no/such/dir" "a missing workdir is named"

    local envfile="$BERTH_TEST_ROOT/exec.env"
    printf '# comment\nFROM_FILE=file\nOVER=file\n' >"$envfile"
    HOST_VALUE=from-host run_berth exec --env-file "$envfile" -e OVER=flag -e HOST_VALUE $CTR \
        sh -c 'echo $FROM_RUN $FROM_FILE $OVER $HOST_VALUE $PATH'
    is "$output" "ctr file flag from-host /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    run_berth exec $CTR sh -c 'echo $OVER $FROM_FILE.'
    is "$output" "ctr ." "exec's env does not stay"
    run_berth 125 exec --env-file "$BERTH_TEST_ROOT/missing.env" $CTR true
    assert "$output" =~ "missing.env" "a missing env file is named"
}

@test "exec -i: stdin forwarded; without -i, stdin is empty; --preserve-fds" {
    run_berth run -d --name $CTR $IMAGE sleep 1000
    run_berth exec -i $CTR cat <<<"hi"
    is "$output" "hi"
    run_berth exec -i $CTR sh -c 'read a; read b; echo "$b $a"' <<<$'one\ntwo'
    is "$output" "two one"
    run_berth exec $CTR cat <<<"not read"
    is "$output" "" "no -i: /dev/null"
    # --preserve-fds 1: our fd 3 is the process's fd 3.
    echo "from fd 3" >"$BERTH_TEST_ROOT/fd3"
    is "$("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        exec --preserve-fds 1 $CTR cat /proc/self/fd/3 3<"$BERTH_TEST_ROOT/fd3")" "from fd 3"
}

@test "exec: signals are forwarded to the process" {
    run_berth run -d --name $CTR $IMAGE sleep 1000
    local out="$BERTH_TEST_ROOT/sig.out"
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" exec $CTR \
        sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' \
        >"$out" 2>&1 3>/dev/null &
    local pid=$!
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q ready "$out" && break
        sleep 0.1
    done
    kill -TERM $pid
    local rc=0
    wait $pid || rc=$?
    is "$rc" "7" "the process's exit code"
    assert "$(cat "$out")" =~ "got-term" "the process got SIGTERM"
}

@test "exec -d: the session is in inspect's ExecIDs while it runs, then gone" {
    run_berth run -d --name $CTR $IMAGE sleep 1000
    is "$(exec_ids)" "" "no session yet"
    run_berth exec -d $CTR sh -c 'while [ ! -e /tmp/stop ]; do sleep 0.1; done'
    local session=$output
    assert "$session" =~ "^[0-9a-f]{64}$" "-d prints the session id"
    is "$(exec_ids)" "$session " "listed while it runs"
    run_berth exec $CTR touch /tmp/stop
    local i ids
    for ((i = 0; i < 50; i++)); do
        ids=$(exec_ids)
        [[ -z $ids ]] && break
        sleep 0.1
    done
    is "$ids" "" "gone once the process exited"
    run_berth exec $CTR ps -o stat,args
    assert "$output" !~ "Z" "no zombie left in the container"
    run_berth 127 exec -d $CTR no-such-command
    assert "$output" =~ "no-such-command" "-d reports a command that is not found"

    # A record whose process is gone (its CLI was killed) is not listed.
    local id
    id=$("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" inspect --format '{{.Id}}' $CTR)
    local stale
    stale=$(printf '%064d' 7 | tr 0 a)
    echo '{"version":1,"pid":999999999,"pidStartTime":1}' \
        >"$BERTH_TEST_RUNROOT/containers/$id/exec/$stale.json"
    is "$(exec_ids)" "" "a stale record is not listed"
}

@test "exec: the process is in the container's cgroup (root)" {
    skip_if_rootless "rootless here has no delegated cgroup"
    run_berth run -d --name $CTR $IMAGE sleep 1000
    run_berth exec $CTR sh -c 'grep -E ":(memory|pids):" /proc/1/cgroup; echo --; grep -E ":(memory|pids):" /proc/self/cgroup'
    local init=${output%%--*} self=${output#*--}
    assert "$init" != "" "the container has memory/pids cgroups"
    is "$(echo $self)" "$(echo $init)" "same cgroups as pid 1"
}

@test "exec: bad input is one line, exit 125" {
    run_berth run -d --name $CTR $IMAGE sleep 1000
    run_berth 125 exec --detach-keys ctrl-1 $CTR true
    is "$output" "Error: invalid detach keys \"ctrl-1\": unknown character \"ctrl-1\""
    run_berth exec --detach-keys ctrl-a,x $CTR true
    run_berth 125 exec $CTR
    is "$output" "Error: must provide a non-empty command to start an exec session: invalid argument"
    run_berth 125 exec
    is "$output" "Error: exec requires the name or ID of a container or the --latest flag"
    run_berth 125 exec -w relative $CTR true
    is "$output" "Error: workdir \"relative\" must be an absolute path"
    run_berth 125 exec -e =x $CTR true
    assert "$output" =~ "^Error: .*=x" "a bad -e is named"
}

@test "exec: exec and exec_died events with the session id and exit code" {
    run_berth run -d --name $CTR $IMAGE sleep 1000
    local cid=$output
    run_berth 4 exec $CTR sh -c 'exit 4'
    run_berth exec -d $CTR true
    local detached=$output
    local i
    for i in $(seq 1 50); do
        run_berth events --stream=false --filter container=$cid --filter event=exec_died --format '{{.Attributes.execID}}'
        [[ "$output" == *"$detached"* ]] && break
        sleep 0.1
    done
    run_berth events --stream=false --filter container=$cid --filter event=exec --filter event=exec_died \
        --format '{{.Status}} {{.ContainerExitCode}} {{.Name}}'
    is "$output" "exec 0 $CTR
exec_died 4 $CTR
exec 0 $CTR
exec_died 0 $CTR"
    run_berth events --stream=false --filter container=$cid --filter event=exec --format '{{.Attributes.execID}}'
    assert "${lines[1]}" == "$detached" "the -d session's id is its execID"
}
