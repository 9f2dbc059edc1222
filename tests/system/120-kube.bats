#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# kube generate / play / down, root and rootless: the round trip (run ->
# generate -> schema validator -> rm -> play -> the same settings, the same
# page served), Podman playing berth's YAML, berth playing Podman's, and bad
# input.
#
# The schema validator (kube-validate.js) needs npm's kubernetes-models@4:
# KUBE_MODELS_DIR names the node_modules dir that holds it (contrib/test.sh
# installs it); without it the validation steps are skipped with a note.

load helpers

IMAGE=localhost/busybox:latest
FIXTURES_KUBE=$BATS_TEST_DIRNAME/../fixtures/kube

function setup_file() {
    busybox_setup_file
    PODMAN_XDG=$BATS_FILE_TMPDIR/xdg
    mkdir -p "$PODMAN_XDG"
    chmod 0700 "$PODMAN_XDG"
    export PODMAN_XDG
}

function teardown_file() {
    local pidfile pid
    for pidfile in "$PODMAN_XDG"/pause.pid; do
        [[ -r "$pidfile" ]] || continue
        pid=$(tr -dc 0-9 <"$pidfile")
        [[ -n "$pid" ]] && _kill_pause "$pid"
    done
    basic_teardown_file
}

function setup() {
    busybox_setup
    PODMAN_DIR=
}

function teardown() {
    remove_all_containers
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" volume rm -a -f >/dev/null 2>&1 || true
    if [[ -n "${PODMAN_DIR:-}" && -d "$PODMAN_DIR" ]]; then
        podman_cmd rm -a -f -t 0 >/dev/null 2>&1 || true
        if is_rootless; then
            podman_cmd unshare rm -rf "$PODMAN_DIR/root" >/dev/null 2>&1 || true
        fi
        local pidfile pid
        for pidfile in "$PODMAN_DIR"/tmp/pause.pid; do
            [[ -r "$pidfile" ]] || continue
            pid=$(tr -dc 0-9 <"$pidfile")
            [[ -n "$pid" ]] && _kill_pause "$pid"
        done
        rm -rf "$PODMAN_DIR" || true
    fi
}

# cgroup v1 with a cgroup2 mount at /sys/fs/cgroup/unified, which crun
# refuses ("cgroups in hybrid mode not supported"): podman's containers run
# where a tmpfs hides it (as bench/lib.sh does).
function hybrid_cgroups() {
    [[ $(stat -fc %T /sys/fs/cgroup 2>/dev/null) == tmpfs ]] &&
        [[ $(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]] &&
        [[ -n $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null) ]]
}

function podman_cmd() {
    local env=() wrap=()
    if is_rootless; then
        env=(XDG_RUNTIME_DIR="$PODMAN_XDG")
    else
        # podman asks crun for RLIMIT_NOFILE 1048576, more than this machine
        # (itself a container) may grant.
        env=(CONTAINERS_CONF="$PODMAN_DIR/containers.conf")
        if hybrid_cgroups; then
            # shellcheck disable=SC2016 # expanded by the inner sh
            wrap=(unshare -m --propagation private -- sh -c
                'mount -t tmpfs -o mode=0755 kube-test /sys/fs/cgroup/unified && exec "$@"' sh)
        fi
    fi
    env "${env[@]}" "${wrap[@]}" podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" \
        --tmpdir "$PODMAN_DIR/tmp" --storage-driver vfs --events-backend file \
        --cgroup-manager cgroupfs "$@"
}

# A TCP port of the host nobody listens on.
function free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 4<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port found"
}

# Fetches $1, trying for a few seconds while httpd starts.
function fetch() {
    local url=$1
    for _ in $(seq 50); do
        if output=$(curl -s --max-time 2 "$url"); then
            [[ -n "$output" ]] && return 0
        fi
        sleep 0.1
    done
    echo "# could not fetch $url" >&2
    return 1
}

# Validates every document of FILE against Kubernetes' schema, unknown
# fields included.
function validate_kube() {
    if [[ -z "${KUBE_MODELS_DIR:-}" || ! -d "$KUBE_MODELS_DIR/kubernetes-models" ]]; then
        echo "# KUBE_MODELS_DIR not set: schema validation of $1 skipped" >&3
        return 0
    fi
    run env NODE_PATH="$KUBE_MODELS_DIR" node "$BATS_TEST_DIRNAME/kube-validate.js" "$1"
    _log_output
    [[ $status -eq 0 ]] || die "kube-validate.js $1 failed: $output"
}

WEB_SCRIPT='mkdir -p /www && echo hello >/www/index.html && exec httpd -f -p 80 -h /www'

@test "kube: round trip of a container: generate, validate, rm, play, same settings, same page" {
    local port dir yaml memory=() limit=0
    # Rootless here there is no cgroup to apply a limit to.
    if ! is_rootless; then
        memory=(--memory 64m)
        limit=67108864
    fi
    port=$(free_port)
    dir=$BATS_TEST_TMPDIR/data
    mkdir -p "$dir"
    echo from-host >"$dir/file"
    chmod -R a+rX "$dir"
    run_berth run -d --name web -p "$port:80" -e FOO=bar --label tier=front \
        -v kvol:/store -v "$dir:/data:ro" --health-cmd 'test -e /www/index.html' \
        --health-interval 30s -w /www --restart always "${memory[@]}" $IMAGE sh -c "$WEB_SCRIPT"
    fetch "http://127.0.0.1:$port/"
    is "$output" "hello" "the page before"
    run_berth exec web sh -c 'echo kept >/store/f'

    yaml=$BATS_TEST_TMPDIR/web.yaml
    run_berth kube generate -f "$yaml" web
    run cat "$yaml"
    assert "$output" =~ "kind: PersistentVolumeClaim" "a PVC for the named volume"
    assert "$output" =~ "claimName: kvol"
    assert "$output" =~ "tier: front" "labels kept"
    assert "$output" =~ "hostPort: $port"
    assert "$output" =~ "livenessProbe:"
    assert "$output" =~ "restartPolicy: Always"
    if ! is_rootless; then
        assert "$output" =~ "memory: 64Mi"
    fi
    assert "$output" =~ "path: $dir"
    validate_kube "$yaml"
    # -f refuses to overwrite; generate kube is the same command.
    run_berth 125 kube generate -f "$yaml" web
    run_berth generate kube web
    assert "$output" =~ "name: web-pod"

    run_berth rm -f -t 0 web
    run_berth kube play "$yaml"
    assert "${lines[0]}" == "Volumes:"
    assert "$output" =~ "Pod:"$'\n'"[0-9a-f]{64}"$'\n'"Container:"$'\n'"[0-9a-f]{64}"
    local played=$output podid
    run_berth pod inspect --format '{{.Id}}' web-pod
    podid=$output
    assert "$played" =~ "Pod:"$'\n'"$podid"$'\n' "play prints the pod's id"
    run_berth pod inspect --format '{{.Name}} {{.Labels.tier}}' web-pod
    is "$output" "web-pod front" "the pod's name and labels"
    fetch "http://127.0.0.1:$port/"
    is "$output" "hello" "the page after play"
    run_berth exec web-pod-web cat /store/f /data/file
    is "$output" "kept"$'\n'"from-host" "the named volume and the bind mount"
    run_berth inspect --format '{{.Config.Labels.tier}} {{.Config.WorkingDir}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.Memory}} {{.Config.Healthcheck.Test}}' web-pod-web
    is "$output" "front /www always $limit [CMD-SHELL test -e /www/index.html]"
    run_berth inspect --format '{{range .Config.Env}}{{.}} {{end}}' web-pod-web
    assert "$output" =~ "FOO=bar"
    run_berth inspect --format '{{range .Mounts}}{{.Destination}}:{{.RW}} {{end}}' web-pod-web
    assert "$output" =~ "/data:false"
    assert "$output" =~ "/store:true"

    run_berth kube down "$yaml"
    is "$output" "Pods stopped:"$'\n'"$podid"$'\n'"Pods removed:"$'\n'"$podid"
    run_berth 1 container exists web-pod-web
    run_berth 1 pod exists web-pod
    run_berth volume exists kvol
    run_berth kube play "$yaml"
    run_berth kube down --force "$yaml"
    assert "$output" =~ "Volumes removed:"$'\n'"kvol"
    run_berth 1 volume exists kvol
}

@test "kube: generate --type deployment/daemonset/job and --service validate" {
    run_berth create --name app -p 18080:80 --cap-add net_admin --user 1000:100 -t $IMAGE sleep 100
    local type yaml
    for type in deployment daemonset job; do
        yaml=$BATS_TEST_TMPDIR/$type.yaml
        run_berth kube generate --type $type -s app
        echo "$output" >"$yaml"
        validate_kube "$yaml"
    done
    run_berth kube generate --type deployment --replicas 3 app
    assert "$output" =~ "replicas: 3"
    assert "$output" =~ "- CAP_NET_ADMIN"
    assert "$output" =~ "runAsUser: 1000"
    run_berth --separate-stderr 125 kube generate --type pod --replicas 2 app
    assert "$stderr" =~ "^Error: --replicas"
    run_berth --separate-stderr 125 kube generate --type statefulset app
    assert "$stderr" =~ "statefulset"
    run_berth --separate-stderr 125 kube generate nosuch
    assert "${#stderr_lines[@]}" -eq 1
}

@test "kube: play a Podman-generated two-container pod; they share the network" {
    local port yaml=$FIXTURES_KUBE/podman-pod-two-containers.yaml
    port=$(free_port)
    run_berth kube play --publish "$port:80" "$yaml"
    assert "$output" =~ "Pod:"$'\n'"[0-9a-f]{64}"$'\n'"Containers:"$'\n'"[0-9a-f]{64}"$'\n'"[0-9a-f]{64}"
    # A real pod: its infra and both containers, which join the infra's network.
    run_berth pod inspect --format '{{range .Containers}}{{.Name}} {{end}}' pair
    assert "$output" =~ "pair-web"
    assert "$output" =~ "pair-side"
    assert "$output" =~ "-infra"
    run_berth inspect --format '{{.HostConfig.NetworkMode}}' pair-side
    assert "$output" =~ "^container:[0-9a-f]{64}$"
    run_berth pod inspect --format '{{.InfraContainerID}}' pair
    local infra=$output
    run_berth inspect --format '{{.HostConfig.NetworkMode}}' pair-web
    is "$output" "container:$infra" "pair-web joins the infra's network"
    fetch "http://127.0.0.1:$port/"
    assert "$output" =~ "Index of|html|<" "httpd serves through the published port"
    # The sidecar reaches httpd on 127.0.0.1 (it answers 404 for /, which
    # has no index): one network namespace.
    run_berth 1 exec pair-side wget -q -O - http://127.0.0.1:80/
    assert "$output" =~ "HTTP/1.1 404"
    run_berth inspect --format '{{range .Config.Env}}{{.}} {{end}}' pair-web
    assert "$output" =~ "GREETING=hello"
    # generate from the pod: one Pod document with both containers and the
    # infra's port, which Podman-compatible tools accept.
    run_berth kube generate pair
    echo "$output" >"$BATS_TEST_TMPDIR/pair.yaml"
    assert "$output" =~ "kind: Pod"
    assert "$output" =~ "name: pair-web"
    assert "$output" =~ "name: pair-side"
    assert "$output" =~ "hostPort: $port"
    assert "$output" =~ "hostname: pair"
    assert "$output" !~ "infra"
    validate_kube "$BATS_TEST_TMPDIR/pair.yaml"

    run_berth 125 kube play "$yaml"
    assert "$output" =~ "already in use"
    run_berth kube play --replace --start=false --publish "$port:80" "$yaml"
    run_berth inspect --format '{{.State.Status}}' pair-web
    is "$output" "created"
    run_berth pod inspect --format '{{.State}}' pair
    is "$output" "Created" "--start=false leaves the pod created"
    run_berth kube play --down "$yaml"
    run_berth 1 container exists pair-web
    run_berth 1 pod exists pair

    # down stops a running pod at once (timeout 0), as Podman's kube down.
    run_berth kube play --publish "$port:80" "$yaml"
    local t0=$SECONDS
    run_berth kube down "$yaml"
    assert "$output" =~ "Pods removed:"
    (( SECONDS - t0 < 8 )) || die "kube down took $((SECONDS - t0)) s: it waited for a stop timeout"
    run_berth 1 pod exists pair
    run_berth 1 container exists pair-side
}

@test "kube: play a Deployment: replicas pods; warnings name the ignored fields" {
    run_berth kube play "$FIXTURES_KUBE/podman-deployment.yaml"
    run_berth pod exists solo-deployment-pod-0
    run_berth pod exists solo-deployment-pod-1
    run_berth inspect --format '{{.State.Status}} {{.Config.WorkingDir}}' solo-deployment-pod-1-solo
    is "$output" "running /tmp"
    run_berth kube down "$FIXTURES_KUBE/podman-deployment.yaml"
    run_berth 1 pod exists solo-deployment-pod-0

    cat >"$BATS_TEST_TMPDIR/warn.yaml" <<EOT
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  COLOR: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: hunter2
---
apiVersion: v1
kind: Pod
metadata:
  name: w
spec:
  containers:
  - name: c
    image: $IMAGE
    command: [sleep, "100"]
    readinessProbe:
      exec:
        command: ["true"]
    envFrom:
    - configMapRef:
        name: cfg
    env:
    - name: PASS
      valueFrom:
        secretKeyRef:
          name: creds
          key: password
EOT
    run_berth --separate-stderr kube play "$BATS_TEST_TMPDIR/warn.yaml"
    assert "$stderr" =~ "spec.containers\[0\].readinessProbe: not supported, ignored"
    run_berth exec w-c sh -c 'echo $COLOR $PASS'
    is "$output" "blue hunter2"
    run_berth secret exists creds
    run_berth kube down "$BATS_TEST_TMPDIR/warn.yaml"
    assert "$output" =~ "Secrets removed:"$'\n'"creds"
    run_berth 1 secret exists creds
}

@test "kube: podman kube play runs berth's YAML" {
    command -v podman >/dev/null || skip "podman is not installed"
    PODMAN_DIR=$BATS_TEST_TMPDIR/podman
    mkdir -p "$PODMAN_DIR"
    printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' \
        >"$PODMAN_DIR/containers.conf"
    run_berth run -d --name pw -e FOO=bar --label tier=front $IMAGE sleep 1000
    local yaml=$BATS_TEST_TMPDIR/pw.yaml
    run_berth kube generate -f "$yaml" pw
    run podman_cmd load -q -i "$BERTH_FIXTURES/busybox-docker-archive.tar"
    [[ $status -eq 0 ]] || die "podman load: $output"
    if is_rootless && hybrid_cgroups; then
        podman_cmd unshare mount -t tmpfs -o mode=0755 kube-test /sys/fs/cgroup/unified ||
            die "cannot hide /sys/fs/cgroup/unified in podman's mount namespace"
    fi
    run podman_cmd kube play --network none "$yaml"
    _log_output
    [[ $status -eq 0 ]] || die "podman kube play: $output"
    run podman_cmd inspect --format '{{.State.Status}}' pw-pod-pw
    _log_output
    is "$output" "running" "podman runs the container berth described"
    run podman_cmd exec pw-pod-pw sh -c 'echo $FOO'
    is "$output" "bar"
    run podman_cmd kube down "$yaml"
}

@test "kube: bad input: one-line errors naming document and field, nothing made" {
    local f=$BATS_TEST_TMPDIR/bad.yaml
    function check_bad() {
        run_berth --separate-stderr 125 kube play "$f"
        assert "${#stderr_lines[@]}" -eq 1 "one line: $stderr"
        assert "$stderr" =~ "$1"
        run_berth ps -a --format '{{.Names}}'
        is "$output" "" "no container made"
        run_berth volume ls -q
        is "$output" "" "no volume made"
    }
    printf 'kind: Pod\nmetadata: [unclosed\n' >"$f"
    check_bad "^Error: $f: document 1: line [0-9]+, column [0-9]+: "
    printf 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: pv\n---\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n' >"$f"
    check_bad "^Error: document 2: spec.containers: a pod needs at least one container$"
    printf 'kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n' >"$f"
    check_bad "^Error: document 1: spec.containers\[0\].image: required field is missing$"
    printf 'kind: Frob\nmetadata:\n  name: p\n' >"$f"
    check_bad "^Error: document 1: kind: \"Frob\" is not supported"
    printf 'kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: %s\n    ports:\n    - containerPort: "abc"\n' $IMAGE >"$f"
    check_bad "^Error: document 1: spec.containers\[0\].ports\[0\].containerPort: expected an integer, got \"abc\"$"
    printf 'kind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n  - name: v\n    hostPath:\n      path: /nonexistent/x\n      type: File\n  containers:\n  - name: c\n    image: %s\n    volumeMounts:\n    - name: v\n      mountPath: /x\n' $IMAGE >"$f"
    check_bad "^Error: document 1: spec.volumes\[0\].hostPath.path: /nonexistent/x: no such file or directory$"
    run_berth --separate-stderr 125 kube play "$BATS_TEST_TMPDIR/missing.yaml"
    assert "${#stderr_lines[@]}" -eq 1
    run_berth --separate-stderr 125 kube play --build "$f"
    assert "$stderr" =~ "--build"
}
