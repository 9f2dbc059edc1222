#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Pods on user (bridge) networks, root and rootless: the infra holds the
# pod's place on one or several networks, its containers reach the other
# containers there by name, and those reach the pod by its name and
# hostname; -p publishes through the network; bad input makes nothing.

load helpers
busybox_pod_tests

IMAGE=localhost/busybox:latest

function teardown() {
    remove_all_pods
    remove_all_containers
    run_berth ? network prune -f
}

# httpd on port 80 serving "hello from $1".
function web_script() {
    echo "mkdir -p /www && echo 'hello from $1' >/www/index.html && exec httpd -f -p 80 -h /www"
}

# Fetches http://$2/ from inside container $1 (busybox nc), retrying while
# httpd starts and names appear.
function fetch_in() {
    local ctr=$1 host=$2 i
    for i in $(seq 30); do
        run_berth ? exec "$ctr" sh -c "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $host 80 | tail -n 1"
        [[ "$status" -eq 0 && "$output" == hello* ]] && return 0
        sleep 0.2
    done
    return 1
}

@test "pod create --network: peers reach the pod by name and hostname, members reach peers" {
    run_berth network create --subnet 10.124.1.0/24 podnet1
    run_berth pod create --name webpod --hostname webhost --network podnet1
    run_berth run -d --pod webpod --name pod-web $IMAGE sh -c "$(web_script pod-web)"
    run_berth run -d --network podnet1 --name peer-one $IMAGE sh -c "$(web_script peer-one)"

    fetch_in peer-one webpod
    is "$output" "hello from pod-web" "a peer reaches the pod by its name"
    fetch_in peer-one webhost
    is "$output" "hello from pod-web" "and by its hostname"
    fetch_in pod-web peer-one
    is "$output" "hello from peer-one" "a member reaches a peer started after it"

    # A member started later sees the network too, and the peers see it.
    run_berth run -d --pod webpod --name pod-side $IMAGE sleep 100
    fetch_in pod-side peer-one
    is "$output" "hello from peer-one" "a later member reaches the peer"
    run_berth exec pod-side hostname
    is "$output" "webhost" "the pod's hostname"
    run_berth exec pod-side ip -4 -o addr show eth0
    assert "$output" =~ "inet 10.124.1.[0-9]+/24" "the infra's address on the network"

    run_berth pod inspect --format '{{.InfraConfig.Networks}}' webpod
    is "$output" "[podnet1]"
    run_berth pod ps --format '{{.Name}} {{.Networks}}'
    is "$output" "webpod podnet1"

    # A peer that goes is gone from the pod's hosts file, seen by members.
    run_berth rm -f -t 0 peer-one
    run_berth exec pod-web cat /etc/hosts
    assert "$output" !~ "peer-one" "the peer left the members' hosts"

    # The pod's removal frees the network.
    run_berth pod rm -f -t 0 webpod
    run_berth network rm podnet1
    is "$output" "podnet1" "no member left on the network"
}

@test "pod on two networks with -p: reachable from both and from the host" {
    local port=$((20000 + RANDOM % 30000))
    run_berth network create --subnet 10.124.2.0/24 podnet2
    run_berth network create --subnet 10.124.3.0/24 podnet3
    run_berth pod create --name twonets --network podnet2,podnet3 -p 127.0.0.1:$port:80
    run_berth run -d --pod twonets --name two-web $IMAGE sh -c "$(web_script two-web)"
    run_berth run -d --network podnet3 --name peer-three $IMAGE sleep 100

    fetch_in peer-three twonets
    is "$output" "hello from two-web" "a peer on the second network reaches the pod"
    run_berth exec two-web ip -4 -o addr
    assert "$output" =~ "inet 10.124.2.[0-9]+/24" "an address on the first network"
    assert "$output" =~ "inet 10.124.3.[0-9]+/24" "and on the second"

    local i
    for i in $(seq 30); do
        output=$(curl -s --max-time 2 "http://127.0.0.1:$port/") && [[ -n "$output" ]] && break
        sleep 0.2
    done
    is "$output" "hello from two-web" "the pod's published port, through the network"

    run_berth pod inspect --format '{{.InfraConfig.Networks}}' twonets
    is "$output" "[podnet2 podnet3]"
}

@test "pod create --network bad input: one Error line, exit 125, nothing made" {
    run_berth network create --subnet 10.124.4.0/24 podnet4
    run_berth 125 pod create --name badnet --network nosuchnet
    is "$output" "Error: unable to find network with name or ID nosuchnet: network not found"
    run_berth 125 pod create --name badnet --network podnet4 --network host
    is "$output" "Error: --network host: can only be combined with other bridge networks"
    run_berth 125 pod create --name badnet --no-infra --network podnet4
    is "$output" "Error: cannot specify --network without an infra container (--no-infra)"
    run_berth 125 pod create --name badnet --network podnet4:ip=10.124.9.5
    is "$output" "Error: requested static ip 10.124.9.5 not in any subnet on network podnet4"
    run_berth pod ps -q
    is "$output" "" "no pod"
    run_berth ps -a -q
    is "$output" "" "no container"

    # A member cannot choose its own network in a pod that shares it.
    run_berth pod create --name goodnet --network podnet4
    run_berth 125 create --pod goodnet --network podnet4 $IMAGE true
    assert "$output" =~ "^Error: invalid config provided: networks must be defined when the pod is created"
}
