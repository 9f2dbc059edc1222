#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Pods, root and rootless: the infra (berth-pause, no image), members that
# share its network, uts and ipc namespaces, pod ps/inspect, start/stop/rm,
# the exit policy, the parallel stop, and bad input.

load helpers

IMAGE=localhost/busybox:latest

function setup_file() {
    busybox_setup_file
}

function setup() {
    busybox_setup
}

function teardown() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" pod rm -a -f -t 0 >/dev/null 2>&1 || true
    remove_all_containers
}

# Nothing pod-related left on disk: no pod record, name or container.
function expect_no_pods() {
    run_berth pod ps -q
    is "$output" "" "no pods"
    run_berth ps -a -q
    is "$output" "" "no containers"
}

@test "pod create: infra, pod ps, pod inspect, ps -a" {
    run_berth pod create --name p1 --label team=a
    local pid=$output
    assert "$pid" =~ '^[0-9a-f]{64}$' "pod create prints the id"

    run_berth pod inspect --format '{{.Name}} {{.State}} {{.NumContainers}} {{.ExitPolicy}} {{.SharedNamespaces}}' p1
    is "$output" "p1 Created 1 continue [ipc net uts]"

    run_berth pod inspect --format '{{.InfraContainerID}}' p1
    local infra=$output
    run_berth ps -a --format '{{.Names}}|{{.Image}}|{{.Pod}}|{{.PodName}}|{{.State}}'
    is "$output" "${pid:0:12}-infra||${pid:0:12}|p1|created" "ps -a shows the infra"
    run_berth ps -a --format json
    assert "$output" =~ '"IsInfra": true' "IsInfra in ps json"

    run_berth pod ps --format '{{.ID}} {{.Name}} {{.Status}} {{.NumberOfContainers}} {{.InfraID}} {{.Labels}}'
    is "$output" "${pid:0:12} p1 Created 1 ${infra:0:12} map[team:a]"
    run_berth pod ps
    assert "${lines[0]}" =~ "^POD ID +NAME +STATUS +CREATED +INFRA ID +# OF CONTAINERS$" "pod ps header"
    run_berth pod ps --no-trunc --format '{{.ID}}'
    is "$output" "$pid"

    run_berth pod start p1
    is "$output" "$pid"
    run_berth pod inspect --format '{{.State}}' p1
    is "$output" "Running"
    run_berth pod exists p1
    run_berth 1 pod exists nope

    run_berth pod stop -t 1 p1
    is "$output" "$pid"
    run_berth pod inspect --format '{{.State}}' p1
    is "$output" "Exited"
    run_berth --separate-stderr 125 rm -f "$infra"
    is "$stderr" "Error: container $infra is the infra container of pod $pid and cannot be removed without removing the pod"
    run_berth pod rm p1
    is "$output" "$pid"
    expect_no_pods
}

@test "pod members share network, uts and ipc with the infra" {
    run_berth pod create --name shared --hostname podhost
    run_berth run -d --pod shared --name m1 $IMAGE \
        sh -c 'mkdir /www && echo hello-from-m1 >/www/index.html && exec httpd -f -p 8080 -h /www'
    run_berth run -d --pod shared --name m2 $IMAGE sleep 1000

    run_berth pod inspect --format '{{.State}} {{.NumContainers}}' shared
    is "$output" "Running 3"

    local ns
    for ns in net uts ipc; do
        run_berth exec m1 readlink /proc/self/ns/$ns
        local a=$output
        run_berth exec m2 readlink /proc/self/ns/$ns
        is "$output" "$a" "m1 and m2 share the $ns namespace"
    done
    run_berth exec m1 readlink /proc/self/ns/pid
    local p1=$output
    run_berth exec m2 readlink /proc/self/ns/pid
    assert "$output" != "$p1" "pid is not shared by default"

    run_berth exec m2 hostname
    is "$output" "podhost" "the pod's hostname"
    # localhost reaches the other member
    local i
    for i in $(seq 50); do
        run_berth ? exec m2 sh -c "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 8080"
        [[ "$output" =~ hello-from-m1 ]] && break
        sleep 0.1
    done
    assert "$output" =~ "hello-from-m1" "m2 reaches m1 on localhost"

    run_berth inspect --format '{{.Pod}}' m1
    run_berth pod inspect --format '{{.Id}}' shared
    local pid=$output
    run_berth inspect --format '{{.Pod}}' m1
    is "$output" "$pid" "inspect .Pod"
    run_berth ps --filter pod=shared --format '{{.Names}}' --sort names
    is "$(sort <<<"$output" | tr '\n' ' ')" "${pid:0:12}-infra m1 m2 " "ps --filter pod="
    run_berth ps --pod --format '{{.Names}} {{.PodName}}' --filter name=m1
    is "$output" "m1 shared"

    run_berth pod rm -f -t 0 shared
    is "$output" "$pid"
    expect_no_pods
}

@test "pod create --share pid,ipc: members see each other's processes" {
    run_berth pod create --name pp --share pid,ipc,net
    run_berth pod inspect --format '{{.SharedNamespaces}}' pp
    is "$output" "[ipc net pid]"
    run_berth run -d --pod pp --name a $IMAGE sleep 1000
    run_berth exec a ps -o comm
    assert "$output" =~ "pause" "the infra is visible in a shared pid namespace"
    run_berth pod rm -f -t 0 pp
}

@test "run --pod new:NAME creates the pod; -p goes to the infra" {
    run_berth run -d --pod new:np --name c1 $IMAGE sleep 1000
    run_berth pod inspect --format '{{.Name}} {{.State}} {{.NumContainers}}' np
    is "$output" "np Running 2"
    run_berth pod rm -f -t 0 np
    expect_no_pods
}

@test "pod stop: members stop in parallel (one timeout, not two)" {
    run_berth pod create --name slow
    # busybox sleep as pid 1 ignores SIGTERM: each member needs the SIGKILL
    run_berth run -d --pod slow --name s1 $IMAGE sleep 1000
    run_berth run -d --pod slow --name s2 $IMAGE sleep 1000
    local start end
    start=$(date +%s%N)
    run_berth pod stop -t 2 slow
    end=$(date +%s%N)
    local ms=$(((end - start) / 1000000))
    assert "$ms" -lt 3500 "pod stop -t 2 of two members took ${ms} ms"
    assert "$ms" -ge 1900 "the members did wait for the timeout (${ms} ms)"
    run_berth pod inspect --format '{{.State}}' slow
    is "$output" "Exited"

    run_berth pod start slow
    start=$(date +%s%N)
    run_berth pod rm -f -t 2 slow
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    assert "$ms" -lt 3500 "pod rm -f -t 2 of two members took ${ms} ms"
    expect_no_pods
}

@test "pod rm without -f refuses a running pod; pod kill, pause, unpause, restart" {
    run_berth pod create --name r
    run_berth run -d --pod r --name r1 $IMAGE sleep 1000
    run_berth --separate-stderr 2 pod rm r
    assert "$stderr" =~ "^Error: pod [0-9a-f]{64} has containers that are not ready to be removed" "pod rm of a running pod"
    run_berth pod inspect --format '{{.State}}' r
    is "$output" "Running" "nothing was removed"

    run_berth pod pause r
    run_berth pod inspect --format '{{.State}}' r
    is "$output" "Paused"
    run_berth pod unpause r
    run_berth pod inspect --format '{{.State}}' r
    is "$output" "Running"

    run_berth pod kill r
    run_berth pod inspect --format '{{.State}}' r
    local i
    for i in $(seq 50); do
        run_berth pod inspect --format '{{.State}}' r
        [[ "$output" == "Exited" ]] && break
        sleep 0.1
    done
    is "$output" "Exited" "after pod kill"
    run_berth pod restart r
    run_berth pod inspect --format '{{.State}}' r
    is "$output" "Running" "after pod restart"
    run_berth pod stop -t 0 r
    run_berth pod prune -f
    assert "$output" =~ "^[0-9a-f]{64}$" "pod prune removes the stopped pod"
    expect_no_pods
}

@test "degraded pod; --exit-policy stop stops the infra after the last member" {
    run_berth pod create --name d
    run_berth run -d --pod d --name d1 $IMAGE sleep 1000
    run_berth run -d --pod d --name d2 $IMAGE true
    local i
    for i in $(seq 50); do
        run_berth pod inspect --format '{{.State}}' d
        [[ "$output" == "Degraded" ]] && break
        sleep 0.1
    done
    is "$output" "Degraded" "one member exited"

    run_berth pod create --name e --exit-policy stop
    run_berth run -d --pod e --name e1 $IMAGE sh -c 'sleep 0.5'
    for i in $(seq 100); do
        run_berth pod inspect --format '{{.State}}' e
        [[ "$output" == "Exited" ]] && break
        sleep 0.1
    done
    is "$output" "Exited" "the infra stopped with the last member"
    run_berth pod inspect --format '{{.ExitPolicy}}' e
    is "$output" "stop"

    run_berth pod create --name c
    run_berth run -d --pod c --name c1 $IMAGE true
    sleep 1
    run_berth pod inspect --format '{{.State}}' c
    is "$output" "Degraded" "exit policy continue: the infra keeps running"
}

@test "pod create --no-infra and --infra-name" {
    run_berth pod create --name ni --no-infra
    run_berth pod inspect --format '{{.CreateInfra}} {{.NumContainers}} {{.SharedNamespaces}}' ni
    is "$output" "false 0 []"
    run_berth run -d --pod ni --name x1 $IMAGE sleep 1000
    run_berth pod inspect --format '{{.State}} {{.NumContainers}}' ni
    is "$output" "Running 1"
    run_berth pod create --name in --infra-name myinfra
    run_berth ps -a --filter pod=in --format '{{.Names}}'
    is "$output" "myinfra"
}

@test "pod bad input: one-line errors, exit 125, nothing half-created" {
    run_berth --separate-stderr 125 pod create --share bogus
    is "$stderr" "Error: invalid kernel namespace to share: bogus. Options are: cgroup, ipc, net, pid, uts or none"
    run_berth --separate-stderr 125 pod create --exit-policy sometimes
    assert "${#stderr_lines[@]}" -eq 1
    assert "$stderr" =~ 'sometimes'
    run_berth --separate-stderr 125 pod create --name 'bad/name'
    assert "${#stderr_lines[@]}" -eq 1
    expect_no_pods

    run_berth pod create --name taken
    run_berth --separate-stderr 125 pod create --name taken
    assert "${#stderr_lines[@]}" -eq 1
    assert "$stderr" =~ '^Error: .*"taken" is already in use'
    run_berth pod ps -q
    is "${#lines[@]}" 1 "one pod"
    run_berth ps -a -q
    is "${#lines[@]}" 1 "one infra"

    run_berth --separate-stderr 125 run -d --pod nosuchpod $IMAGE true
    is "$stderr" "Error: no pod with name or ID nosuchpod found: no such pod"
    run_berth --separate-stderr 125 run -d --pod taken -p 8080:80 $IMAGE true
    is "$stderr" "Error: invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod"
    run_berth --separate-stderr 125 run -d --pod taken --network none $IMAGE true
    assert "${#stderr_lines[@]}" -eq 1
    run_berth ps -a -q
    is "${#lines[@]}" 1 "no container was created"

    run_berth --separate-stderr 125 pod inspect nosuchpod
    is "$stderr" "Error: no pod with name or ID nosuchpod found: no such pod"
    run_berth --separate-stderr 125 pod start nosuchpod
    is "$stderr" "Error: no pod with name or ID nosuchpod found: no such pod"
    run_berth --separate-stderr 1 pod rm nosuchpod
    is "$stderr" "Error: no pod with name or ID nosuchpod found: no such pod"

    # new:NAME with a taken name leaves nothing behind either
    run_berth --separate-stderr 125 run -d --pod new:taken $IMAGE true
    assert "${#stderr_lines[@]}" -eq 1
    run_berth ps -a -q
    is "${#lines[@]}" 1 "still only the infra"
}

@test "pod create -p: the infra publishes a member's port" {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 30000))
        (exec 4<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    done
    run_berth pod create --name web -p $port:80
    run_berth pod inspect --format '{{.InfraConfig.PortBindings}}' web
    is "$output" "map[80/tcp:[map[HostIp: HostPort:$port]]]"
    run_berth run -d --pod web --name w1 $IMAGE \
        sh -c 'mkdir /www && echo pod-web >/www/index.html && exec httpd -f -p 80 -h /www'
    local got=
    for _ in $(seq 50); do
        got=$(curl -s --max-time 2 "http://127.0.0.1:$port/") && [[ "$got" == pod-web ]] && break
        sleep 0.1
    done
    is "$got" "pod-web" "the member's port 80 answers on the pod's host port"
    run_berth pod rm -f -t 0 web
    if curl -s --max-time 1 "http://127.0.0.1:$port/" >/dev/null; then
        die "port $port still answers after pod rm"
    fi
}

@test "pod top: the processes of every running container of the pod" {
    run_berth pod create --name t
    run_berth run -d --pod t --name t1 $IMAGE sleep 1000
    run_berth run -d --pod t --name t2 $IMAGE sleep 999
    run_berth pod top t pid args
    is "${lines[0]}" "PID         COMMAND" "header once"
    is "${#lines[@]}" 4 "header, the infra and two members"
    assert "$output" =~ "/pause" "the infra"
    assert "$output" =~ "sleep 1000" "t1"
    assert "$output" =~ "sleep 999" "t2"
    run_berth pod stop -t 0 t
    run_berth --separate-stderr 125 pod top t
    is "$stderr" "Error: pod top can only be used on pods with at least one running container"
}

@test "pod stats: one row per running container of the pod" {
    run_berth pod create --name st
    run_berth run -d --pod st --name st1 $IMAGE sleep 1000
    # rootless without cgroups: warnings on stderr
    run_berth --separate-stderr pod stats --no-stream st
    assert "${lines[0]}" =~ "^POD +CID +NAME +CPU % +MEM USAGE/ LIMIT +MEM % +NET IO +BLOCK IO +PIDS$" "header"
    is "${#lines[@]}" 3 "header, infra, st1"
    run_berth pod inspect --format '{{.Id}}' st
    local pid=$output
    run_berth --separate-stderr pod stats --no-stream --format '{{.Pod}} {{.Name}} {{.PIDS}}' st
    assert "$output" =~ "${pid:0:12} st1 1" "st1's row"
    run_berth --separate-stderr 125 pod stats --no-stream nope
    is "$stderr" "Error: no pod with name or ID nope found: no such pod"
}
