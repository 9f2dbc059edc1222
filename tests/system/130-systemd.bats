#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# systemd integration, root and rootless, without systemd as init:
# generate systemd units pass systemd-analyze verify; a --new unit's
# ExecStartPre/ExecStart/ExecStop/ExecStopPost run exactly as systemd would
# (tests/system/systemd-unit.py parses the unit: quoting, %t, %n, $$) and
# reproduce the recorded container; --sdnotify=conmon sends READY to
# $NOTIFY_SOCKET only once the container runs; --sdnotify=container gives the
# container a socket whose messages the monitor forwards; Quadlet files and
# berth-quadlet (golden files); the contrib units; bad input.

load helpers

IMAGE=localhost/busybox:latest
UNIT_TOOL="$BATS_TEST_DIRNAME/systemd-unit.py"

busybox_tests

# Runs the KEY= lines of a unit as systemd would (fd 3 closed: a monitor
# started by the line must not hold bats' fd).
function unit_exec() {
    run python3 "$UNIT_TOOL" "$@" 3>&-
    echo "$output"
    [[ $status -eq 0 ]] || die "unit line $2 of $1 failed ($status): $output"
}

# systemd-analyze verify of unit files: no output, exit 0 (unknown keys are
# only warnings, so the output must be empty too). As the user where it works.
# --man=no: the Documentation= pages are installed only with berth
# (005-install.bats checks them).
function verify_units() {
    run systemd-analyze verify --man=no "$@"
    echo "$output"
    [[ $status -eq 0 && -z "$output" ]] || die "systemd-analyze verify $*: $output"
    if is_rootless; then
        run env XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR" systemd-analyze --user verify --man=no "$@"
        echo "$output"
        [[ $status -eq 0 && -z "$output" ]] || die "systemd-analyze --user verify $*: $output"
    fi
}

# A unix datagram socket standing in for systemd's notify socket: writes
# each message to $1.msgs; at READY=1 it also records whether MAINPID had a
# child then (the container), to $1.ready.
function start_notify_listener() {
    local sock=$1
    python3 - "$sock" <<'PY' 3>&- &
import os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(path + ".bound", "w").close()
while True:
    data = s.recv(4096).decode()
    with open(path + ".msgs", "a") as f:
        f.write(data + "--\n")
    fields = dict(l.split("=", 1) for l in data.splitlines() if "=" in l)
    if fields.get("READY") == "1":
        pid = fields.get("MAINPID", "")
        children = ""
        if pid:
            for task in os.listdir(f"/proc/{pid}/task"):
                children += open(f"/proc/{pid}/task/{task}/children").read()
        with open(path + ".ready", "w") as f:
            f.write(f"{pid} children={children.strip()}\n")
        break
PY
    LISTENER_PID=$!
    local i
    for i in $(seq 1 50); do
        [[ -e "$sock.bound" ]] && return 0
        sleep 0.1
    done
    die "notify listener did not bind $sock"
}

@test "generate systemd --new: the unit runs the recorded command, quoting intact, and cleans up" {
    local name=$(safename)
    local tricky='it'"'"'s "quoted" 100% $HOME \ end'
    run_berth create --name $name -e "GREETING=hello world" --stop-timeout 3 $IMAGE \
        sh -c 'printf "[%s]\n" "$@"; sleep 1000' argv0 "$tricky" plain ';'
    run_berth inspect --format '{{json .Config.CreateCommand}}' $name
    assert "$output" =~ '"it'"'"'s \\"quoted\\" 100% \$HOME \\\\ end"' "recorded exactly"
    is "$(jq -r '.[0]' <<<"$output")" "$BERTH" "argv[0] as typed, as Podman records os.Args"

    run_berth generate systemd --new --name $name
    local unit="$BATS_TEST_TMPDIR/container-$name.service"
    echo "$output" > "$unit"
    assert "$output" =~ "Type=notify" "a notify unit"
    assert "$output" =~ "NotifyAccess=all"
    assert "$output" =~ "Environment=BERTH_SYSTEMD_UNIT=%n"
    assert "$output" =~ "RequiresMountsFor=%t/berth"
    assert "$output" =~ "TimeoutStopSec=63" "60 + the container's stop timeout"
    assert "$output" =~ "--cidfile=%t/%n.ctr-id"
    assert "$output" =~ '"it'"'"'s \\"quoted\\" 100%% \$\$HOME \\\\ end"' "systemd-escaped"
    verify_units "$unit"
    run_berth rm $name

    # As systemd runs it: %t is the runtime dir, %n the unit's name.
    local rt="$BATS_TEST_TMPDIR/rt"
    mkdir -p "$rt"
    local sock="$BATS_TEST_TMPDIR/notify.sock"
    start_notify_listener "$sock"
    unit_exec "$unit" ExecStartPre --runtime-dir "$rt"
    NOTIFY_SOCKET="$sock" unit_exec "$unit" ExecStart --runtime-dir "$rt"
    local cidfile="$rt/container-$name.service.ctr-id"
    [[ -s "$cidfile" ]] || die "no cidfile $cidfile"
    local cid=$(cat "$cidfile")

    run_berth inspect --format '{{.Id}} {{.State.Status}} {{.Config.StopTimeout}} {{.State.ConmonPid}}' $name
    local monitor_pid=${output##* }
    is "${output% *}" "$cid running 3" "the unit's container runs, as recorded"
    run_berth inspect --format '{{range .Config.Env}}{{.}}|{{end}}' $name
    assert "$output" =~ "GREETING=hello world\|" "env with a space"
    run_berth inspect --format '{{.Config.CreateCommand}}' $name
    assert "$output" =~ "--sdnotify=conmon" "created by the unit's command"
    wait_for_inspect $name '{{.State.Status}}' running
    local i
    for i in $(seq 1 50); do
        run_berth logs $name
        [[ "$output" == *"[;]"* ]] && break
        sleep 0.1
    done
    is "$output" "[$tricky]
[plain]
[;]" "the arguments reached the container unchanged (a lone ; too)"

    # READY and MAINPID (the monitor) once the container process existed.
    for i in $(seq 1 50); do
        [[ -e "$sock.ready" ]] && break
        sleep 0.1
    done
    [[ -e "$sock.ready" ]] || die "no READY=1 at $sock: $(cat "$sock.msgs" 2>/dev/null)"
    run cat "$sock.ready"
    assert "$output" =~ "^$monitor_pid children=[0-9]+" "READY after the container existed"
    run cat "$sock.msgs"
    is "$output" "MAINPID=$monitor_pid
READY=1
--" "one message: MAINPID and READY"
    wait $LISTENER_PID

    unit_exec "$unit" ExecStop --runtime-dir "$rt"
    unit_exec "$unit" ExecStopPost --runtime-dir "$rt"
    run_berth ps -a --format '{{.Names}}'
    assert "$output" !~ "$name" "gone after ExecStopPost"
    # Stopping again (systemd may): --ignore makes it a no-op.
    unit_exec "$unit" ExecStopPost --runtime-dir "$rt"
}

@test "generate systemd: an existing container, flags, --files, json" {
    local name=$(safename)
    run_berth create --name $name $IMAGE sleep 1000
    local id=$(sed -n 1p <<<"$output")
    run_berth generate systemd $name
    local unit="$BATS_TEST_TMPDIR/container-$id.service"
    echo "$output" > "$unit"
    local exe=$(readlink -f "$(command -v "$BERTH")")
    assert "$output" =~ "ExecStart=$exe --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT start $id" \
        "starts the existing container by id, in its store"
    assert "$output" =~ "Type=forking"
    assert "$output" =~ "PIDFile=$BERTH_TEST_RUNROOT/containers/$id/monitor.pid"
    assert "$output" =~ "RequiresMountsFor=$BERTH_TEST_RUNROOT"
    assert "$output" =~ "# autogenerated by berth"
    verify_units "$unit"

    # Type=forking as systemd runs it: start returns, PIDFile names the
    # monitor; stop.
    unit_exec "$unit" ExecStart
    run_berth inspect --format '{{.State.Status}} {{.State.ConmonPid}}' $name
    is "$output" "running $(cat "$BERTH_TEST_RUNROOT/containers/$id/monitor.pid")" "PIDFile: the monitor"
    unit_exec "$unit" ExecStop
    run_berth inspect --format '{{.State.Status}}' $name
    is "$output" "exited"

    run_berth generate systemd --name --no-header --container-prefix svc --separator _ \
        --restart-policy always --restart-sec 7 --start-timeout 9 --stop-timeout 4 \
        --wants a.service --after b.service --requires c.service -e "A=b c" $name
    assert "${lines[0]}" == "[Unit]" "--no-header"
    assert "$output" =~ "Description=berth svc_$name.service"
    assert "$output" =~ "# User-defined dependencies
Wants=a.service
After=b.service
Requires=c.service"
    assert "$output" =~ 'Environment="A=b c"'
    assert "$output" =~ "Restart=always
RestartSec=7
TimeoutStartSec=9
TimeoutStopSec=64"
    assert "$output" =~ "-t 4 $name"

    cd "$BATS_TEST_TMPDIR"
    run_berth generate systemd --files --name $name
    is "$output" "$BATS_TEST_TMPDIR/container-$name.service"
    verify_units "$BATS_TEST_TMPDIR/container-$name.service"
    run_berth generate systemd --format json --name --new $name
    run jq -r "keys[0], (.\"container-$name\" | test(\"ExecStart=\"))" <<<"$output"
    is "$output" "container-$name
true"
    run_berth generate systemd --template --name $name
    assert "$output" =~ "# container-$name@.service"
    assert "$output" =~ "--name $name-%i"
    echo "$output" > "$BATS_TEST_TMPDIR/container-$name@.service"
    verify_units "$BATS_TEST_TMPDIR/container-$name@.service"
}

@test "generate systemd: bad input" {
    run_berth 125 generate systemd no-such-ctr
    is "$output" "Error: no-such-ctr does not refer to a container or pod: no pod with name or ID no-such-ctr found: no such pod: no container with name or ID \"no-such-ctr\" found: no such container"
    local name=$(safename)
    run_berth create --name $name $IMAGE true
    run_berth 125 generate systemd --restart-policy sometimes $name
    is "$output" "Error: sometimes is not a valid restart policy"
    run_berth 125 generate systemd --stop-timeout x $name
    assert "$output" =~ "^Error: .*\"x\"" "names the bad value"
    run_berth 125 generate systemd --format yaml $name
    is "$output" "Error: unknown --format argument: yaml"
    run_berth 125 generate systemd --new=false --template $name
    is "$output" "Error: --template cannot be set with --new=false"
    run_berth 125 generate systemd
    run_berth 125 run --sdnotify=sometimes $IMAGE true
    is "$output" "Error: invalid sdnotify value \"sometimes\": must be container, conmon or ignore"
    run_berth 125 run --cgroups=maybe $IMAGE true
    assert "$output" =~ "^Error: invalid cgroups mode \"maybe\"" "one line naming the value"
    cd "$BATS_TEST_TMPDIR"
    run_berth 125 generate systemd --files no-such-ctr
    run ls "$BATS_TEST_TMPDIR"
    assert "$output" !~ "service" "nothing written"
}

@test "generate systemd POD: the pod's unit and its members' units, existing pod" {
    local pod=$(safename)
    run_berth pod create --name $pod
    run_berth create --pod $pod --name $pod-a $IMAGE sleep 1000
    run_berth create --pod $pod --name $pod-b $IMAGE sleep 1000
    run_berth pod inspect --format '{{.InfraContainerID}}' $pod
    local infra=$output
    run_berth inspect --format '{{.Name}}' $infra
    local infra_name=$output

    cd "$BATS_TEST_TMPDIR"
    run_berth generate systemd --files --name $pod
    is "$output" "$BATS_TEST_TMPDIR/container-$pod-a.service
$BATS_TEST_TMPDIR/container-$pod-b.service
$BATS_TEST_TMPDIR/pod-$pod.service" "one unit per member and the pod's"
    local unit="$BATS_TEST_TMPDIR/pod-$pod.service"
    verify_units "$unit" "$BATS_TEST_TMPDIR/container-$pod-a.service" \
        "$BATS_TEST_TMPDIR/container-$pod-b.service"
    run cat "$unit"
    assert "$output" =~ "Wants=container-$pod-a.service container-$pod-b.service
Before=container-$pod-a.service container-$pod-b.service" "wants its members, before them"
    assert "$output" =~ "start $infra_name
ExecStop=" "starts the infra"
    assert "$output" =~ "PIDFile=$BERTH_TEST_RUNROOT/containers/$infra/monitor.pid"
    run cat "$BATS_TEST_TMPDIR/container-$pod-a.service"
    assert "$output" =~ "BindsTo=pod-$pod.service
After=pod-$pod.service" "a member orders after the pod's unit"
    assert "$output" =~ "start $pod-a"

    # Type=forking as systemd runs it: the infra starts, PIDFile its monitor.
    unit_exec "$unit" ExecStart
    run_berth inspect --format '{{.State.Status}} {{.State.ConmonPid}}' $infra
    is "$output" "running $(cat "$BERTH_TEST_RUNROOT/containers/$infra/monitor.pid")" "PIDFile: the infra's monitor"
    unit_exec "$BATS_TEST_TMPDIR/container-$pod-a.service" ExecStart
    run_berth inspect --format '{{.State.Status}}' $pod-a
    is "$output" "running"
    unit_exec "$BATS_TEST_TMPDIR/container-$pod-a.service" ExecStop
    unit_exec "$unit" ExecStop
    run_berth inspect --format '{{.State.Status}}' $infra
    is "$output" "exited"

    # Names by id, prefixes, separator; --template is for containers only.
    run_berth pod inspect --format '{{.Id}}' $pod
    local podid=$output
    run_berth generate systemd --pod-prefix p --container-prefix c --separator _ --no-header $pod
    assert "$output" =~ "Description=berth p_$podid.service"
    run_berth 125 generate systemd --template $pod
    is "$output" "Error: --template is not supported for pods"
    run_berth pod create --name $pod-noinfra --no-infra
    run_berth 125 generate systemd $pod-noinfra
    is "$output" "Error: error generating systemd unit files: Pod \"$pod-noinfra\" has no infra container"
}

@test "generate systemd --new POD: the units create, run and remove the pod and its members" {
    local pod=$(safename)
    run_berth pod create --name $pod --label app=$pod
    run_berth pod inspect --format '{{.CreateCommand}}' $pod
    assert "$output" =~ "pod create --name $pod --label app=$pod" "the create command is recorded"
    run_berth create --pod $pod --name $pod-a $IMAGE sleep 1000
    run_berth generate systemd --new --name $pod
    local dir="$BATS_TEST_TMPDIR/units"
    mkdir -p "$dir"
    cd "$dir"
    run_berth generate systemd --new --files --name $pod
    local unit="$dir/pod-$pod.service" member="$dir/container-$pod-a.service"
    verify_units "$unit" "$member"
    run cat "$unit"
    assert "$output" =~ "pod create \\\\
	--infra-conmon-pidfile %t/pod-$pod.pid \\\\
	--pod-id-file %t/pod-$pod.pod-id \\\\
	--exit-policy=stop" "Podman's pod create"
    assert "$output" =~ "--replace
ExecStart=" "--replace added for a named pod"
    assert "$output" =~ "pod start \\\\
	--pod-id-file %t/pod-$pod.pod-id"
    assert "$output" =~ "pod stop \\\\
	--ignore \\\\
	--pod-id-file %t/pod-$pod.pod-id  \\\\
	-t 10"
    assert "$output" =~ "PIDFile=%t/pod-$pod.pid"
    run cat "$member"
    assert "$output" =~ "--pod-id-file %t/pod-$pod.pod-id" "the member joins by the id file"
    assert "$output" !~ "--pod $pod" "not by name"
    assert "$output" =~ "BindsTo=pod-$pod.service
After=pod-$pod.service"

    # As systemd runs them; the pod create --replace replaces the pod above.
    local rt="$BATS_TEST_TMPDIR/rt"
    mkdir -p "$rt"
    unit_exec "$unit" ExecStartPre --runtime-dir "$rt"
    local podid=$(cat "$rt/pod-$pod.pod-id")
    run_berth pod inspect --format '{{.Id}} {{.ExitPolicy}} {{len .Containers}}' $pod
    is "$output" "$podid stop 1" "a new pod (its infra only), exit policy stop"
    unit_exec "$unit" ExecStart --runtime-dir "$rt"
    run_berth pod inspect --format '{{.InfraContainerID}}' $pod
    local infra=$output
    run_berth inspect --format '{{.State.Status}} {{.State.ConmonPid}}' $infra
    is "$output" "running $(cat "$rt/pod-$pod.pid")" "PIDFile: the infra's monitor"

    unit_exec "$member" ExecStartPre --runtime-dir "$rt"
    unit_exec "$member" ExecStart --runtime-dir "$rt"
    local cid=$(cat "$rt/container-$pod-a.service.ctr-id")
    run_berth inspect --format '{{.State.Status}} {{.Pod}}' $pod-a
    is "$output" "running $podid" "the member runs in the unit's pod"
    run_berth inspect --format '{{.Id}}' $pod-a
    is "$output" "$cid"

    unit_exec "$member" ExecStop --runtime-dir "$rt"
    unit_exec "$member" ExecStopPost --runtime-dir "$rt"
    unit_exec "$unit" ExecStop --runtime-dir "$rt"
    unit_exec "$unit" ExecStopPost --runtime-dir "$rt"
    run_berth pod ps -q --no-trunc
    assert "$output" !~ "$podid" "the pod is gone"
    run_berth ps -a --format '{{.Names}}'
    assert "$output" !~ "$pod" "its containers are gone"
    # Stopping again (systemd may): --ignore makes it a no-op.
    unit_exec "$unit" ExecStop --runtime-dir "$rt"
    unit_exec "$unit" ExecStopPost --runtime-dir "$rt"
}

@test "pod --pod-id-file, --infra-conmon-pidfile, --replace: bad input" {
    local pod=$(safename)
    run_berth 125 pod create --no-infra --infra-conmon-pidfile $BATS_TEST_TMPDIR/x.pid
    is "$output" "Error: cannot set --infra-conmon-pidfile without an infra container"
    run_berth 125 pod start --pod-id-file $BATS_TEST_TMPDIR/nope
    is "$output" "Error: reading pod ID file $BATS_TEST_TMPDIR/nope: open $BATS_TEST_TMPDIR/nope: no such file or directory"
    run_berth pod stop --ignore --pod-id-file $BATS_TEST_TMPDIR/nope
    run_berth pod rm --ignore -f --pod-id-file $BATS_TEST_TMPDIR/nope
    run_berth 125 run --pod-id-file $BATS_TEST_TMPDIR/nope $IMAGE true
    is "$output" "Error: reading pod ID file $BATS_TEST_TMPDIR/nope: open $BATS_TEST_TMPDIR/nope: no such file or directory"
    run_berth pod create --name $pod --pod-id-file $BATS_TEST_TMPDIR/id
    local first=$output
    run_berth 125 run --pod $pod --pod-id-file $BATS_TEST_TMPDIR/id $IMAGE true
    is "$output" "Error: cannot specify both --pod and --pod-id-file"
    run_berth 125 pod start --pod-id-file $BATS_TEST_TMPDIR/id $pod
    is "$output" "Error: --all, --latest, --pod-id-file and pods cannot be used together"
    run_berth 125 pod create --name $pod
    run_berth pod create --replace --name $pod
    assert "$output" != "$first" "--replace: a new pod"
    run_berth 1 pod exists $first
    run_berth pod rm --pod-id-file $BATS_TEST_TMPDIR/id --ignore
}

@test "--sdnotify: ignore sends nothing, inspect shows the mode" {
    local name=$(safename)
    local sock="$BATS_TEST_TMPDIR/notify.sock"
    start_notify_listener "$sock"
    NOTIFY_SOCKET="$sock" run_berth run -d --name $name --sdnotify=ignore $IMAGE sleep 1000
    run_berth inspect $name
    is "$(jq -r '.[0].Config.sdNotifyMode' <<<"$output")" "ignore"
    sleep 0.5
    [[ ! -e "$sock.msgs" ]] || die "ignore sent: $(cat "$sock.msgs")"
    kill $LISTENER_PID
    wait $LISTENER_PID || true
    run_berth create $IMAGE true
    run_berth inspect $output
    is "$(jq -r '.[0].Config.sdNotifyMode' <<<"$output")" "container" "Podman's default"
    is "$(jq -r '.[0].HostConfig.Cgroups' <<<"$output")" "default"
    run_berth create --cgroups=disabled --sdnotify=conmon $IMAGE true
    run_berth inspect --format '{{.HostConfig.Cgroups}} {{.Config.sdNotifyMode}}' $output
    is "$output" "disabled conmon" "inspect shows --cgroups=disabled as Podman does"
}

# berth-quadlet beside berth: in the build tree or the installed libexec.
function quadlet_exe() {
    local berth=$(readlink -f "$(command -v "$BERTH")")
    local dir=$(dirname "$berth")
    for candidate in "$dir/../quadlet/berth-quadlet" "$dir/../libexec/berth/berth-quadlet"; do
        if [[ -x "$candidate" ]]; then
            readlink -f "$candidate"
            return 0
        fi
    done
    die "no berth-quadlet beside $berth"
}

@test "berth-quadlet: fixture files give the expected units, which verify" {
    local fixtures=$(realpath "$BATS_TEST_DIRNAME/../fixtures/quadlet")
    local quadlet=$(quadlet_exe)
    local out="$BATS_TEST_TMPDIR/generated"
    mkdir -p "$out"
    BERTH_QUADLET_UNIT_DIRS="$fixtures" BERTH_QUADLET_BERTH=/usr/bin/berth \
        run "$quadlet" "$out" "$out" "$out"
    echo "$output"
    [[ $status -eq 0 && -z "$output" ]] || die "berth-quadlet: $status: $output"
    local f
    for f in "$fixtures"/expected/*.service; do
        local name=$(basename "$f")
        # The expected files name the fixtures dir as FIXTURES.
        diff -u <(sed "s|FIXTURES|$fixtures|g" "$f") "$out/$name" || die "$name differs"
    done
    run ls "$out"
    is "$output" "back-network.service
data-volume.service
default.target.wants
minimal.service
multi-user.target.wants
shop-pod.service
shop-web.service
web.service" "one unit per file, and the [Install] links"
    is "$(readlink "$out/default.target.wants/shop-pod.service")" "../shop-pod.service"
    is "$(readlink "$out/default.target.wants/web.service")" "../web.service"

    # With the real berth, systemd accepts every unit.
    local real=$(readlink -f "$(command -v "$BERTH")")
    rm -rf "$out"/*
    BERTH_QUADLET_UNIT_DIRS="$fixtures" BERTH_QUADLET_BERTH="$real" run "$quadlet" "$out"
    [[ $status -eq 0 ]] || die "berth-quadlet: $output"
    verify_units "$out"/*.service

    # --dryrun prints instead; --user reads the user's dirs.
    BERTH_QUADLET_UNIT_DIRS="$fixtures" run "$quadlet" --dryrun
    assert "$output" =~ "---web.service---" "dry run prints the units"
    mkdir -p "$BATS_TEST_TMPDIR/config/berth/systemd"
    cp "$fixtures/minimal.container" "$BATS_TEST_TMPDIR/config/berth/systemd/"
    rm -rf "$out"/*
    XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config" run "$quadlet" --user "$out"
    [[ $status -eq 0 ]] || die "berth-quadlet --user: $output"
    run ls "$out"
    is "$output" "minimal.service" "the user's Quadlet dir"
}

@test "berth-quadlet: bad files are named with their line, skipped, exit 125" {
    local quadlet=$(quadlet_exe)
    local dir="$BATS_TEST_TMPDIR/bad"
    local out="$BATS_TEST_TMPDIR/out"
    mkdir -p "$dir" "$out"
    printf '[Container]\nExec=sleep 1\n' > "$dir/noimage.container"
    BERTH_QUADLET_UNIT_DIRS="$dir" run "$quadlet" "$out"
    is "$status" 125
    is "$output" "Error: $dir/noimage.container: no Image= key in section [Container]"

    rm "$dir"/*
    printf '[Container]\nImage=busybox\n\nColour=blue\n' > "$dir/unknown.container"
    BERTH_QUADLET_UNIT_DIRS="$dir" run "$quadlet" "$out"
    is "$status" 125
    is "$output" "Error: $dir/unknown.container:4: unknown key 'Colour' in section [Container]"

    rm "$dir"/*
    printf '[Container]\nImage=busybox\nPublishPort=80:http\n' > "$dir/port.container"
    printf '[Container]\nImage=busybox\n' > "$dir/good.container"
    BERTH_QUADLET_UNIT_DIRS="$dir" run "$quadlet" "$out"
    is "$status" 125
    assert "$output" =~ "^Error: $dir/port.container:3: invalid PublishPort '80:http': " \
        "names file, line and value"
    is "${#lines[@]}" 1 "one line"
    run ls "$out"
    is "$output" "good.service" "the good file is generated, the bad one is not"

    rm -rf "$dir"/* "$out"/*
    printf '[Container]\nImage=busybox\nPod=nowhere.pod\n' > "$dir/member.container"
    printf '[Pod]\nVolume=/a:/b\n' > "$dir/p.pod"
    printf '[Network]\nGateway=10.1.2.1\n' > "$dir/n.network"
    BERTH_QUADLET_UNIT_DIRS="$dir" run "$quadlet" "$out"
    is "$status" 125
    is "$output" "Error: $dir/member.container:3: Pod=nowhere.pod: no Quadlet file nowhere.pod beside it
Error: $dir/n.network:2: Gateway= without a Subnet= of its own
Error: $dir/p.pod:2: unknown key 'Volume' in section [Pod]" "each bad file, with its line"
    run ls "$out"
    is "$output" "" "nothing generated"

    run "$quadlet"
    is "$status" 125
    assert "$output" =~ "^Error: missing output directory"
}

@test "contrib units verify" {
    local berth=$(readlink -f "$(command -v "$BERTH")")
    local prefix=$(dirname "$(dirname "$berth")")
    local units=() f
    # Installed (contrib/test.sh installs to a prefix): the units meson
    # installed beside berth; in a build tree, the sources with @BINDIR@
    # filled in as meson does.
    for f in "$prefix"/lib/systemd/user/*.service "$prefix"/lib/systemd/system/*.service; do
        [[ -e "$f" ]] && units+=("$f")
    done
    if [[ ${#units[@]} -eq 0 ]]; then
        for f in "$BATS_TEST_DIRNAME"/../../contrib/systemd/*.service.in; do
            [[ -e "$f" ]] || continue
            local unit="$BATS_TEST_TMPDIR/$(basename "${f%.in}")"
            sed "s|@BINDIR@|$(dirname "$berth")|" "$f" > "$unit"
            units+=("$unit")
        done
    fi
    [[ ${#units[@]} -gt 0 ]] || die "no contrib units found (installed under $prefix/lib/systemd or in contrib/systemd)"
    local names=""
    for f in "${units[@]}"; do
        verify_units "$f"
        names+="$(basename "$f") "
    done
    assert "$names" =~ "berth-clean-transient.service" "the clean-transient unit is there"
    assert "$names" =~ "berth-restart.service" "the restart unit is there"
}

@test "container cleanup --all reconciles every container" {
    local name=$(safename)
    run_berth run -d --name $name $IMAGE sleep 1000
    run_berth create --name $name-2 $IMAGE true
    run_berth container cleanup --all
    run_berth inspect --format '{{.State.Status}}' $name
    is "$output" "running" "a running container is left alone"
    run_berth 125 container cleanup --all $name
    is "$output" "Error: --all, --latest and containers cannot be used together"
}

@test "generate quadlet: a container's file, through berth-quadlet, runs the container again" {
    local name=$(safename)
    local tricky='say "hi" 100% $HOME'
    run_berth create --name $name -e "GREETING=hello world" --label app=web $IMAGE \
        sh -c 'printf "[%s]\n" "$@"; sleep 1000' argv0 "$tricky"
    run_berth generate quadlet $name
    assert "${lines[0]}" == "# $name.container"
    assert "$output" =~ "ContainerName=$name"
    assert "$output" =~ 'Environment="GREETING=hello world"'
    assert "$output" =~ "GlobalArgs=--root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT"
    local dir="$BATS_TEST_TMPDIR/quadlet" out="$BATS_TEST_TMPDIR/units"
    mkdir -p "$dir" "$out"
    echo "$output" > "$dir/$name.container"
    run_berth rm $name

    local real=$(readlink -f "$(command -v "$BERTH")")
    BERTH_QUADLET_UNIT_DIRS="$dir" BERTH_QUADLET_BERTH="$real" run "$(quadlet_exe)" "$out"
    [[ $status -eq 0 ]] || die "berth-quadlet: $output"
    local unit="$out/$name.service"
    verify_units "$unit"
    local rt="$BATS_TEST_TMPDIR/rt"
    mkdir -p "$rt"
    unit_exec "$unit" ExecStart --runtime-dir "$rt"
    wait_for_inspect $name '{{.State.Status}}' running
    run_berth inspect --format '{{range .Config.Labels}}{{.}}{{end}} {{.Id}}' $name
    is "$output" "web $(cat "$rt/$name.cid")" "the unit's container, with its label"
    local i
    for i in $(seq 1 50); do
        run_berth logs $name
        [[ -n "$output" ]] && break
        sleep 0.1
    done
    is "$output" "[$tricky]" "the argument survived the round trip"
    unit_exec "$unit" ExecStopPost --runtime-dir "$rt"
    run_berth ps -a --format '{{.Names}}'
    assert "$output" !~ "$name" "gone after ExecStopPost"
    [[ ! -e "$rt/$name.cid" ]] || die "cidfile left"

    run_berth volume create --label purpose=data $name-vol
    run_berth generate quadlet $name-vol
    is "$output" "# $name-vol.volume
[Volume]
Label=purpose=data"
    run_berth 125 generate quadlet no-such-thing
    is "$output" "Error: no-such-thing does not refer to a container, pod, volume or network: no container with name or ID \"no-such-thing\" found: no such container"
}

@test "--sdnotify=container: the container's socket, its messages forwarded without MAINPID" {
    local name=$(safename)
    local sock="$BATS_TEST_TMPDIR/notify.sock"
    start_notify_listener "$sock"
    NOTIFY_SOCKET="$sock" run_berth run -d --name $name $IMAGE \
        sh -c 'test -S "$NOTIFY_SOCKET" && echo "socket $NOTIFY_SOCKET"; sleep 1000'
    local id=$output
    local i
    for i in $(seq 1 50); do
        run_berth logs $name
        [[ -n "$output" ]] && break
        sleep 0.1
    done
    is "$output" "socket /run/notify/notify.sock" "the container has its notify socket"
    run_berth inspect --format '{{.State.ConmonPid}}' $name
    local monitor_pid=$output
    for i in $(seq 1 50); do
        [[ -s "$sock.msgs" ]] && break
        sleep 0.1
    done
    is "$(cat "$sock.msgs")" "MAINPID=$monitor_pid
--" "the monitor says who the main process is, not READY"
    # What the container would send (busybox has no datagram client): into
    # the same socket, from the host side of its bind mount.
    local proxy="$BERTH_TEST_RUNROOT/containers/$id/notify/notify.sock"
    [[ -S "$proxy" ]] || die "no proxy socket $proxy"
    # (relative: the path may be longer than a socket address allows)
    (cd "$(dirname "$proxy")" && python3 -c 'import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1\nSTATUS=serving\nMAINPID=1\n", "notify.sock")')
    for i in $(seq 1 50); do
        [[ -e "$sock.ready" ]] && break
        sleep 0.1
    done
    is "$(cat "$sock.msgs")" "MAINPID=$monitor_pid
--
READY=1
STATUS=serving
--" "forwarded, without the container's MAINPID"
    wait $LISTENER_PID
}

@test "generate quadlet POD, NETWORK, member: berth-quadlet's units make them again, as systemd runs them" {
    local name=$(safename)
    run_berth network create --label owner=$name $name-net
    run_berth pod create --name $name-pod --label app=$name
    run_berth create --pod $name-pod --name $name-ctr $IMAGE sleep 1000
    local dir="$BATS_TEST_TMPDIR/quadlet" out="$BATS_TEST_TMPDIR/units"
    mkdir -p "$dir" "$out"
    local f
    for f in $name-net $name-pod $name-ctr; do
        run_berth generate quadlet $f
        echo "$output" > "$dir/${lines[0]#\# }"
    done
    run cat "$dir/$name-pod.pod"
    is "$output" "# $name-pod.pod
[Pod]
PodName=$name-pod
Label=app=$name
GlobalArgs=--root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT

[Install]
WantedBy=default.target" "the pod's file, from its create command"
    run cat "$dir/$name-net.network"
    assert "$output" =~ "NetworkName=$name-net
Subnet=[0-9./]+
Gateway=[0-9.]+
Label=owner=$name" "the network's file, from its record"
    assert "$(cat "$dir/$name-ctr.container")" =~ "Pod=$name-pod.pod" "the member names the pod's file"
    echo "GlobalArgs=--root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT" >> "$dir/$name-net.network"
    echo "NetworkDeleteOnStop=true" >> "$dir/$name-net.network"
    run_berth rm $name-ctr
    run_berth pod rm $name-pod
    run_berth network rm $name-net

    local real=$(readlink -f "$(command -v "$BERTH")")
    BERTH_QUADLET_UNIT_DIRS="$dir" BERTH_QUADLET_BERTH="$real" run "$(quadlet_exe)" "$out"
    [[ $status -eq 0 ]] || die "berth-quadlet: $output"
    local net="$out/$name-net-network.service" pod="$out/$name-pod-pod.service" ctr="$out/$name-ctr.service"
    verify_units "$net" "$pod" "$ctr"
    run cat "$pod"
    assert "$output" =~ "Wants=$name-ctr.service
Before=$name-ctr.service" "the pod's unit wants its container, before it"
    run cat "$ctr"
    assert "$output" =~ "BindsTo=$name-pod-pod.service
After=$name-pod-pod.service" "the container orders after the pod's unit"

    # As systemd runs them, in the order the dependencies say.
    local rt="$BATS_TEST_TMPDIR/rt"
    mkdir -p "$rt"
    unit_exec "$net" ExecStart --runtime-dir "$rt"
    run_berth network inspect --format '{{.Labels.owner}}' $name-net
    is "$output" "$name" "the network, made by its unit"
    unit_exec "$net" ExecStart --runtime-dir "$rt"
    unit_exec "$pod" ExecStartPre --runtime-dir "$rt"
    unit_exec "$pod" ExecStart --runtime-dir "$rt"
    run_berth pod inspect --format '{{.InfraContainerID}} {{.ExitPolicy}} {{.Labels.app}}' $name-pod
    local infra=${output%% *}
    is "${output#* }" "stop $name" "the pod, made by its unit"
    run_berth inspect --format '{{.State.Status}} {{.State.ConmonPid}} {{.Name}}' $infra
    is "$output" "running $(cat "$rt/$name-pod-pod.pid") $name-pod-infra" "PIDFile: the infra's monitor"
    unit_exec "$ctr" ExecStart --runtime-dir "$rt"
    wait_for_inspect $name-ctr '{{.State.Status}}' running
    run_berth pod inspect --format '{{.Id}}' $name-pod
    local podid=$output
    run_berth inspect --format '{{.Id}} {{.Pod}}' $name-ctr
    is "$output" "$(cat "$rt/$name-ctr.cid") $podid" "the container, in the unit's pod"

    unit_exec "$ctr" ExecStopPost --runtime-dir "$rt"
    unit_exec "$pod" ExecStop --runtime-dir "$rt"
    unit_exec "$pod" ExecStopPost --runtime-dir "$rt"
    run_berth 1 pod exists $name-pod
    run_berth 1 container exists $name-ctr
    unit_exec "$net" ExecStopPost --runtime-dir "$rt"
    run_berth 1 network exists $name-net
    # Stopping again (systemd may): --ignore makes it a no-op.
    unit_exec "$pod" ExecStop --runtime-dir "$rt"
    unit_exec "$pod" ExecStopPost --runtime-dir "$rt"
}
