#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# run, create, start, stop, kill, rm, ps, inspect, logs, wait: the container
# lifecycle, root and rootless, with Podman's exit codes.

load helpers

IMAGE=localhost/busybox:latest

# setup_file, setup and teardown of a file of busybox container tests.
busybox_tests

# No container is left: records, monitors, container processes, mounts.
function assert_nothing_left() {
    run_berth ps -a -q
    is "$output" "" "no container records"
    local pids
    pids=$(_pids_naming "$(_pause_pid "$BERTH_TEST_RUNROOT")" "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT")
    is "$pids" "" "no monitor or container process"
    is "$(_mounts_under "$(_pause_pid "$BERTH_TEST_RUNROOT")" "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT")" "" "no mounts"
}

@test "run: exit codes 0, 3, 125, 126, 127" {
    run_berth run --rm $IMAGE true
    run_berth 3 run --rm $IMAGE sh -c 'exit 3'
    run_berth 127 run --rm $IMAGE no-such-command
    assert "$output" =~ "no-such-command" "127 names the command"
    run_berth 126 run --rm $IMAGE /etc
    # A missing image is pulled by default (Podman's "missing" policy): never pull here.
    run_berth 125 run --rm --pull=never $IMAGE-nope true
    is "$output" "Error: $IMAGE-nope: image not known"
    assert_nothing_left
}

@test "run: output streams stay apart, in order" {
    run_berth --separate-stderr run --rm $IMAGE sh -c 'echo out1; echo err1 >&2; echo out2'
    is "$output" $'out1\nout2' "stdout"
    is "$stderr" "err1" "stderr"
}

@test "run: id 0 inside, the user namespace mapping, host pids invisible" {
    run_berth run --rm $IMAGE sh -c 'id -u; cat /proc/self/uid_map; ps -o pid | wc -l'
    is "${lines[0]}" "0" "root inside"
    if is_rootless; then
        assert "${lines[1]}" =~ "^ +0 +$(id -u) +1$" "uid 0 maps to the user"
        assert "${lines[2]}" =~ "^ +1 +[0-9]+ +[0-9]+$" "subordinate range mapped"
    else
        assert "${lines[1]}" =~ "^ +0 +0 +4294967295$" "root: the host's identity mapping"
    fi
    # ps header + sh + ps + wc (pipeline): no host process is visible.
    assert "${lines[-1]}" -le 4 "only the container's own processes"
}

@test "run: Podman's default capabilities, seccomp, no-new-privileges" {
    run_berth run --rm $IMAGE sh -c 'grep -E "^(CapEff|CapBnd|Seccomp|NoNewPrivs):" /proc/self/status'
    # CHOWN DAC_OVERRIDE FOWNER FSETID KILL NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT
    assert "$output" =~ "CapEff:	00000000800405fb" "default effective set"
    assert "$output" =~ "CapBnd:	00000000800405fb" "default bounding set"
    assert "$output" =~ "Seccomp:	2" "seccomp filter"
    assert "$output" =~ "NoNewPrivs:	0" "no_new_privs off by default"

    run_berth run --rm --security-opt no-new-privileges $IMAGE grep NoNewPrivs /proc/self/status
    assert "$output" =~ "NoNewPrivs:	1"
    run_berth run --rm --cap-drop ALL --cap-add NET_BIND_SERVICE $IMAGE grep CapEff /proc/self/status
    assert "$output" =~ "CapEff:	0000000000000400"
    run_berth run --rm --security-opt seccomp=unconfined $IMAGE grep Seccomp: /proc/self/status
    assert "$output" =~ "Seccomp:	0"
    # A profile in Docker's format: everything allowed except mkdir, denied.
    local profile="$BERTH_TEST_ROOT/deny-mkdir.json"
    cat >"$profile" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
    run_berth 1 run --rm --security-opt seccomp="$profile" $IMAGE mkdir /tmp/d
    assert "$output" =~ "Operation not permitted" "the denied call fails with the profile's errno"
    run_berth run --rm --security-opt seccomp="$profile" $IMAGE touch /tmp/f
}

@test "run: --read-only, --tmpfs, bind mounts owned by the user" {
    run_berth 1 run --rm --read-only $IMAGE touch /x
    assert "$output" =~ "Read-only file system"
    run_berth run --rm --read-only $IMAGE touch /tmp/x /run/x /var/tmp/x
    run_berth run --rm --tmpfs /scratch $IMAGE sh -c 'grep " /scratch " /proc/mounts'
    assert "$output" =~ "tmpfs /scratch tmpfs"
    local dir="$BERTH_TEST_ROOT/bind"
    mkdir -p "$dir"
    run_berth run --rm -v "$dir:/data" $IMAGE sh -c 'echo hi > /data/f'
    is "$(stat -c %u "$dir/f")" "$(id -u)" "a file written as container root belongs to the user"
    run_berth 1 run --rm -v "$dir:/data:ro" $IMAGE touch /data/g
}

@test "run: user, workdir, env, hostname, entrypoint" {
    run_berth run --rm -u nobody $IMAGE id -un
    is "$output" "nobody"
    run_berth run --rm -u 1000:1000 -w /work $IMAGE sh -c 'id -u; id -g; pwd'
    is "$output" $'1000\n1000\n/work'
    run_berth run --rm -e A=1 -e B -h box $IMAGE sh -c 'echo $A $container; hostname'
    is "$output" $'1 berth\nbox'
    run_berth run --rm --entrypoint echo $IMAGE hi there
    is "$output" "hi there"
    run_berth run --rm --entrypoint '["sh","-c"]' $IMAGE 'echo $0' x
    is "$output" "x"
}

@test "run -d, ps, stop, rm: nothing left behind" {
    run_berth run -d --name sleeper $IMAGE sleep 1000
    local id=$output
    assert "$id" =~ "^[0-9a-f]{64}$" "run -d prints the id"
    run_berth ps --format '{{.ID}} {{.Names}} {{.State}} {{.Command}}'
    is "$output" "${id:0:12} sleeper running sleep 1000"
    run_berth ps
    assert "${lines[0]}" =~ "^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$" "header"
    assert "${lines[1]}" =~ "^${id:0:12}  $IMAGE  sleep 1000 .* Up .* sleeper$" "row"
    run_berth inspect --format '{{.State.Status}} {{.State.Running}} {{.Name}} {{.ImageName}}' sleeper
    is "$output" "running true sleeper $IMAGE"
    run_berth 2 rm sleeper
    assert "$output" =~ "cannot remove container $id as it is running"
    # busybox sleep as pid 1 ignores SIGTERM: stop -t 1 ends with SIGKILL.
    run_berth stop -t 1 sleeper
    is "$output" "sleeper"
    run_berth ps -a --format '{{.Status}}' --filter name=sleeper
    assert "$output" =~ "^Exited \(137\)"
    run_berth inspect --format '{{.State.ExitCode}}' sleeper
    is "$output" "137"
    run_berth rm sleeper
    is "$output" "$id"
    assert_nothing_left
}

@test "run --init: stop is fast when the command ignores SIGTERM" {
    run_berth run -d --init --name initd $IMAGE sleep 1000
    SECONDS=0
    run_berth stop initd
    assert "$SECONDS" -lt 5 "stopped by SIGTERM through the init, not after the 10 s timeout"
    run_berth inspect --format '{{.State.ExitCode}}' initd
    is "$output" "143"
    run_berth rm initd
}

@test "rm -f of a running container; kill -s; wait" {
    # Through --init: busybox as pid 1 would ignore USR1.
    run_berth run -d --init --name k $IMAGE sleep 1000
    run_berth kill -s USR1 k
    run_berth wait k
    is "$output" "138" "SIGUSR1 killed sleep (128+10)"
    run_berth run -d --name f $IMAGE sleep 1000
    run_berth rm -f -t 0 f
    run_berth 1 rm nosuch
    is "$output" 'Error: no container with name or ID "nosuch" found: no such container'
    run_berth rm -a
    assert_nothing_left
}

@test "logs: all output in order, streams apart, after exit" {
    run_berth run --name logged $IMAGE sh -c 'echo one; echo two >&2; echo three; printf partial'
    run_berth --separate-stderr logs logged
    is "$output" $'one\nthree\npartial' "stdout lines"
    is "$stderr" "two" "stderr lines"
    run_berth logs --tail 1 logged
    is "$output" "partial"
    run_berth logs -t logged
    assert "${lines[0]}" =~ "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) one$"
    run_berth run --log-driver none --name quiet $IMAGE echo hi
    run_berth 125 logs quiet
}

@test "create, start -a, start, container exists, rename" {
    run_berth create --name one-ctr $IMAGE echo created-then-started
    local id=$output
    run_berth ps -a --format '{{.Status}}' --filter id=$id
    is "$output" "Created"
    run_berth start -a one-ctr
    is "$output" "created-then-started"
    run_berth container exists one-ctr
    run_berth 1 container exists two-ctr
    run_berth rename one-ctr two-ctr
    run_berth container exists two-ctr
    run_berth start two-ctr
    run_berth wait two-ctr
    is "$output" "0"
}

@test "a foreground run stops its container on SIGTERM" {
    local cid="$BERTH_TEST_ROOT/fg.cid"
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        run --init --name fg --cidfile "$cid" $IMAGE sleep 1000 3>/dev/null &
    local pid=$!
    local i
    for i in $(seq 50); do
        [[ -s $cid ]] && "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
            ps -q --filter name=fg --filter status=running | grep -q . && break
        sleep 0.1
    done
    kill -TERM $pid
    local rc=0
    wait $pid || rc=$?
    is "$rc" "143" "run exits with the container's code for SIGTERM"
    run_berth ps -a --format '{{.State}}' --filter name=fg
    is "$output" "exited"
}

@test "two run -d --name x at once: exactly one wins" {
    local b=("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT")
    "${b[@]}" run -d --name race $IMAGE sleep 1000 >"$BERTH_TEST_ROOT/r1" 2>&1 3>/dev/null &
    local p1=$!
    "${b[@]}" run -d --name race $IMAGE sleep 1000 >"$BERTH_TEST_ROOT/r2" 2>&1 3>/dev/null &
    local p2=$!
    local rc1=0 rc2=0
    wait $p1 || rc1=$?
    wait $p2 || rc2=$?
    is "$((rc1 + rc2))" "125" "one succeeded, one failed with 125"
    assert "$(cat "$BERTH_TEST_ROOT/r1" "$BERTH_TEST_ROOT/r2")" =~ 'the container name "race" is already in use'
    run_berth ps -a -q
    is "${#lines[@]}" "1" "one container"
}

@test "ps after the monitor was SIGKILLed: exited, not running forever" {
    run_berth run -d --name orphan $IMAGE sleep 1000
    run_berth inspect --format '{{.State.ConmonPid}} {{.State.Pid}}' orphan
    local monitor=${output% *} ctr=${output#* }
    kill -KILL "$monitor"
    local i
    for i in $(seq 50); do
        [[ -d /proc/$ctr ]] || break
        sleep 0.1
    done
    [[ ! -d /proc/$ctr ]] || die "the container outlived its monitor"
    run_berth ps -a --format '{{.State}}' --filter name=orphan
    is "$output" "exited"
    run_berth rm orphan
    assert_nothing_left
}

@test "bad input: one line, exit 125, nothing left behind" {
    run_berth 125 run --rm -u nosuchuser $IMAGE true
    is "$output" "Error: unable to find user nosuchuser: no matching entries in passwd file"
    run_berth 125 run --rm --memory 12zz $IMAGE true
    assert "$output" =~ "^Error: .*12zz"
    run_berth 125 run --rm --ulimit nofile=x $IMAGE true
    assert "$output" =~ "^Error: .*nofile=x"
    run_berth 125 run --rm -v rel/path:/data $IMAGE true
    assert "$output" =~ "^Error: "
    run_berth 125 run --rm --name 'bad/name' $IMAGE true
    assert "$output" =~ "^Error: .*names must match"
    run_berth 125 run --rm --security-opt seccomp=/etc/hostname $IMAGE true
    assert "$output" =~ "^Error: "
    run_berth run -d --name dup $IMAGE sleep 1000
    run_berth 125 run -d --name dup $IMAGE true
    is "$output" 'Error: the container name "dup" is already in use by '"$(
        "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" inspect --format '{{.Id}}' dup
    )"'. You have to remove that container to be able to reuse that name: that name is already in use'
    run_berth rm -f -t 0 dup
    if is_rootless; then
        run_berth 125 run --rm --memory 16m $IMAGE true
        assert "$output" =~ "need a cgroup" "rootless without cgroups refuses limits"
    fi
    for line in "${lines[@]}"; do :; done
    assert_nothing_left
}

@test "limits as root: memory over the limit is killed, fork fails past the pids limit" {
    skip_if_rootless "rootless here has no delegated cgroup (the refusal is tested above)"
    # Only this test's containers count: other runs on the host may hold
    # berth cgroups of their own.
    local before
    before=$(find /sys/fs/cgroup/*/berth /sys/fs/cgroup/berth -maxdepth 1 -name 'berth-*' 2>/dev/null | sort || true)
    run_berth 137 run --name oom --memory 32m $IMAGE sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
    run_berth inspect --format '{{.State.OOMKilled}} {{.HostConfig.Memory}}' oom
    is "$output" "true 33554432" "recorded as an OOM kill"
    run_berth rm oom
    run_berth 2 run --rm --pids-limit 10 $IMAGE sh -c 'for i in $(seq 20); do sleep 5 & done; echo done'
    assert "$output" =~ "can't fork" "fork fails past the limit"
    # Each container's cgroup goes with it.
    local after
    after=$(find /sys/fs/cgroup/*/berth /sys/fs/cgroup/berth -maxdepth 1 -name 'berth-*' 2>/dev/null | sort || true)
    is "$(comm -13 <(echo "$before") <(echo "$after"))" "" "no container cgroup left"
}

@test "ps: filters, -l, -n, --size, --sort, --format json" {
    run_berth create --name p1 --label tier=web $IMAGE true
    run_berth create --name p2 $IMAGE true
    run_berth 4 run --name p3 $IMAGE sh -c 'exit 4'
    run_berth ps -a --filter before=p2 --format '{{.Names}}'
    is "$output" "p1"
    run_berth ps -a --filter since=p1 --format '{{.Names}}'
    is "$output" $'p3\np2'
    run_berth ps -a --filter label=tier=web --format '{{.Names}}'
    is "$output" "p1"
    run_berth ps -a --filter exited=4 --format '{{.Names}}'
    is "$output" "p3"
    run_berth ps -a --filter status=created --sort names --format '{{.Names}}'
    is "$output" $'p1\np2'
    run_berth ps -l --format '{{.Names}}'
    is "$output" "p3"
    run_berth ps -n 2 --format '{{.Names}}'
    is "$output" $'p3\np2'
    run_berth ps -a -s --filter name=p3
    assert "${lines[0]}" =~ "SIZE$"
    assert "${lines[1]}" =~ "B \(virtual [0-9.]+ [kM]B\)$"
    run_berth ps -a --format json --filter name=p3
    is "$(jq -r '.[0].Names[0] + " " + .[0].State + " " + (.[0].ExitCode|tostring)' <<<"$output")" "p3 exited 4"
    run_berth 125 ps --filter bogus=1
    run_berth 125 ps --sort bogus
}

@test "run: sysctl, ulimit, umask, --mount, stdin with -i" {
    run_berth run --rm --sysctl net.ipv4.ip_forward=1 --ulimit nofile=100:200 --umask 0077 \
        --mount type=tmpfs,destination=/t,tmpfs-size=1m $IMAGE \
        sh -c 'cat /proc/sys/net/ipv4/ip_forward; ulimit -n; ulimit -Hn; umask; df -k /t | tail -1'
    is "${lines[0]}" "1" "--sysctl"
    is "${lines[1]}" "100" "--ulimit soft"
    is "${lines[2]}" "200" "--ulimit hard"
    is "${lines[3]}" "0077" "--umask"
    assert "${lines[4]}" =~ "^tmpfs +1024 " "--mount tmpfs-size"
    run_berth 125 run --rm --sysctl vm.swappiness=10 $IMAGE true
    assert "$output" =~ "vm.swappiness"
    run bash -c "echo piped | $BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT run --rm -i $IMAGE cat"
    is "$output" "piped" "run -i feeds stdin"
    run bash -c "echo piped | $BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT run --rm $IMAGE cat"
    is "$output" "" "without -i the container's stdin is empty"
}

@test "logs -f follows until exit; --since/--until; --log-opt max-size rotates" {
    run_berth run -d --name follow $IMAGE sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done'
    run_berth logs -f follow
    is "$output" $'line1\nline2\nline3' "followed to the end"
    run_berth logs --since 1h follow
    is "${#lines[@]}" "3"
    run_berth logs --until 1h follow
    is "$output" "" "nothing logged before an hour ago"
    run_berth 125 logs --since yesterday follow
    run_berth run --name rotate --log-opt max-size=1k $IMAGE sh -c 'for i in $(seq 200); do echo "line $i of the rotation test"; done'
    local log
    log=$("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" inspect --format '{{.HostConfig.LogConfig.Path}}' rotate)
    assert "$(stat -c %s "$log")" -le 1024 "the log never grows past max-size"
    run_berth logs rotate
    is "${lines[-1]}" "line 200 of the rotation test" "the newest lines survive rotation"
}

@test "restart, container prune" {
    run_berth run -d --name r1 $IMAGE sleep 1000
    run_berth inspect --format '{{.State.Pid}}' r1
    local pid=$output
    run_berth restart -t 0 r1
    run_berth inspect --format '{{.State.Status}} {{.State.Pid}}' r1
    assert "$output" =~ "^running [0-9]+$"
    assert "${output#running }" != "$pid" "a new process"
    run_berth create --name pr1 $IMAGE true
    run_berth 3 run --name pr2 $IMAGE sh -c 'exit 3'
    run_berth container prune -f
    assert "$output" =~ "[0-9a-f]{64}"
    run_berth ps -a --format '{{.Names}}'
    is "$output" "r1" "only the running container is left"
}

@test "inspect: Podman 4.3.1's keys, in its order" {
    run_berth run --name keys $IMAGE true
    run_berth inspect keys
    # From `podman inspect` of an exited container on this kind of machine.
    is "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$output")" \
        "Id,Created,Path,Args,State,Image,ImageDigest,ImageName,Rootfs,Pod,ResolvConfPath,HostnamePath,HostsPath,StaticDir,OCIConfigPath,OCIRuntime,ConmonPidFile,PidFile,Name,RestartCount,Driver,MountLabel,ProcessLabel,AppArmorProfile,EffectiveCaps,BoundingCaps,ExecIDs,GraphDriver,Mounts,Dependencies,NetworkSettings,Namespace,IsInfra,IsService,Config,HostConfig"
    is "$(jq -r '.[0].HostConfig | keys_unsorted | join(",")' <<<"$output")" \
        "Binds,CgroupManager,CgroupMode,ContainerIDFile,LogConfig,NetworkMode,PortBindings,RestartPolicy,AutoRemove,VolumeDriver,VolumesFrom,CapAdd,CapDrop,Dns,DnsOptions,DnsSearch,ExtraHosts,GroupAdd,IpcMode,Cgroup,Cgroups,Links,OomScoreAdj,PidMode,Privileged,PublishAllPorts,ReadonlyRootfs,SecurityOpt,Tmpfs,UTSMode,UsernsMode,ShmSize,Runtime,ConsoleSize,Isolation,CpuShares,Memory,NanoCpus,CgroupParent,BlkioWeight,BlkioWeightDevice,BlkioDeviceReadBps,BlkioDeviceWriteBps,BlkioDeviceReadIOps,BlkioDeviceWriteIOps,CpuPeriod,CpuQuota,CpuRealtimePeriod,CpuRealtimeRuntime,CpusetCpus,CpusetMems,Devices,DiskQuota,KernelMemory,MemoryReservation,MemorySwap,MemorySwappiness,OomKillDisable,PidsLimit,Ulimits,CpuCount,CpuPercent,IOMaximumIOps,IOMaximumBandwidth,CgroupConf"
    is "$(jq -r '.[0] | "\(.Path) \(.Args | join(" ")) \(.State.Status) \(.Config.CreateCommand | length > 3)"' <<<"$output")" \
        "true  exited true"
    run_berth 125 inspect nosuch
}

@test "run --privileged: every capability berth has, no seccomp; mount propagation options" {
    run_berth run --rm --privileged $IMAGE grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status
    local eff bnd
    eff=$(awk '/^CapEff:/ {print $2}' <<<"$output")
    bnd=$(awk '/^CapBnd:/ {print $2}' <<<"$output")
    is "$eff" "$bnd" "every capability of the bounding set is effective"
    assert "$eff" != "00000000800405fb" "more than the default set"
    assert "$output" =~ "Seccomp:	0"
    local dir="$BERTH_TEST_ROOT/prop"
    mkdir -p "$dir"
    run_berth run --rm --mount "type=bind,source=$dir,destination=/d,readonly,bind-propagation=rshared" \
        $IMAGE grep " /d " /proc/self/mountinfo
    assert "$output" =~ " /d ro,.* shared:[0-9]+ " "read-only and shared"
    run_berth run --rm -v "$dir:/data:ro,rslave,z" $IMAGE grep " /data " /proc/self/mountinfo
    assert "$output" =~ " /data ro," "read-only"
    run_berth 125 run --rm -v "$dir:/data:bogus" $IMAGE true
    assert "$output" =~ "bogus"
}
