#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# User (bridge) networks, root and rootless: network create/ls/inspect/rm/
# prune/exists/connect/disconnect, containers reaching each other by name
# and alias in both start orders, --internal, --ip/--mac-address, and that
# nothing (bridge, rule, namespace holder) is left after the last container.

load helpers

IMAGE=localhost/busybox:latest

function setup_file() {
    busybox_setup_file
}

function setup() {
    busybox_setup
    HOST_PIDS=()
}

function teardown() {
    remove_all_containers
    run_berth ? network prune -f
    local pid
    for pid in "${HOST_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
}

# httpd on port 80 serving "hello from $1".
function web_script() {
    echo "mkdir -p /www && echo 'hello from $1' >/www/index.html && exec httpd -f -p 80 -h /www"
}

# The body of http://$1:${2:-80}/, with busybox nc (the fixture's static
# wget crashes in getaddrinfo).
function http_get() {
    echo "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $1 ${2:-80} | tail -n 1"
}

# Fetches http://$2/ from inside container $1, retrying while httpd starts.
function fetch_in() {
    local ctr=$1 host=$2 i
    for i in $(seq 30); do
        run_berth ? exec "$ctr" sh -c "$(http_get "$host")"
        [[ "$status" -eq 0 && "$output" == hello* ]] && return 0
        sleep 0.2
    done
    return 1
}

# The network namespace holder of the rootless runroot ("" when none).
function holder_pid() {
    local f=$BERTH_TEST_RUNROOT/netns.pid
    [[ -r "$f" ]] || return 0
    local pid
    read -r pid _ <"$f"
    kill -0 "$pid" 2>/dev/null && echo "$pid"
    return 0
}

@test "network create, ls, inspect, exists, rm: netavark's record" {
    run_berth network ls --format '{{.Name}} {{.Driver}}'
    is "$output" "podman bridge" "the default network is listed though never created"

    run_berth network create --subnet 10.123.1.0/24 --label team=web --label x neta
    is "$output" "neta"
    run_berth network create netb
    is "$output" "netb"

    run_berth network inspect neta
    local json=$output
    is "$(jq -r '.[0].name' <<<"$json")" "neta"
    is "$(jq -r '.[0].driver' <<<"$json")" "bridge"
    is "$(jq -r '.[0].network_interface' <<<"$json")" "berth1"
    is "$(jq -r '.[0].subnets[0].subnet' <<<"$json")" "10.123.1.0/24"
    is "$(jq -r '.[0].subnets[0].gateway' <<<"$json")" "10.123.1.1"
    is "$(jq -r '.[0].labels.team' <<<"$json")" "web"
    is "$(jq -r '.[0].internal, .[0].dns_enabled, .[0].ipv6_enabled' <<<"$json" | tr '\n' ' ')" \
        "false true false "
    is "$(jq -r '.[0].ipam_options.driver' <<<"$json")" "host-local"
    is "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$json")" \
        "name,id,driver,network_interface,created,subnets,ipv6_enabled,internal,dns_enabled,labels,ipam_options"
    assert "$(jq -r '.[0].id' <<<"$json")" =~ "^[0-9a-f]{64}$" "a 64-hex id"
    local id
    id=$(jq -r '.[0].id' <<<"$json")

    run_berth network inspect --format '{{.Subnets}} {{.NetworkInterface}}' netb
    assert "$output" =~ "10.89.0.0/24" "the first free 10.89.N.0/24"
    assert "$output" =~ "berth2" "the next interface"

    run_berth network ls
    assert "${lines[0]}" =~ "^NETWORK ID +NAME +DRIVER$"
    assert "$output" =~ "${id:0:12}  neta +bridge" "ID, name, driver"
    run_berth network ls -q
    is "$output" $'neta\nnetb\npodman' "sorted by name"
    run_berth network ls -q --filter label=team=web
    is "$output" "neta"
    run_berth network ls -q --filter name=^net
    is "$output" $'neta\nnetb'
    run_berth network ls -q --filter driver=bridge --filter name=b$
    is "$output" "netb"
    run_berth network ls --format json
    is "$(jq -r 'length' <<<"$output")" "3"
    run_berth 125 network ls --filter bogus=1
    is "$output" 'Error: invalid filter "bogus=1"'

    run_berth network exists neta
    run_berth network exists "${id:0:10}"
    run_berth 1 network exists nosuch

    run_berth network inspect "${id:0:10}"
    is "$(jq -r '.[0].name' <<<"$output")" "neta" "inspect by id prefix"

    run_berth network rm neta netb
    is "$output" $'neta\nnetb'
    run_berth 1 network rm neta
    is "$output" "Error: unable to find network with name or ID neta: network not found"
    run_berth 125 network rm podman
    is "$output" "Error: default network podman cannot be removed"
    run_berth network ls -q
    is "$output" "podman"

    run_berth network create
    is "$output" "podman1" "a generated name"
    run_berth network prune -f
    is "$output" "podman1"
}

@test "network create: bad input is one Error line, exit 125, nothing made" {
    run_berth network create --subnet 10.123.2.0/24 first
    run_berth 125 network create --subnet 10.123.2.128/25 second
    is "$output" "Error: subnet 10.123.2.128/25 is already used on the host or by another config: it overlaps 10.123.2.0/24 of network first"
    run_berth 125 network create --subnet 10.123.0.0/16 second
    assert "$output" =~ "overlaps 10.123.2.0/24 of network first"
    run_berth 125 network create --subnet 10.123.300.0/24 second
    is "$output" "Error: invalid CIDR address: 10.123.300.0/24"
    run_berth 125 network create --subnet abc second
    is "$output" "Error: invalid CIDR address: abc"
    run_berth 125 network create --subnet 10.123.3.0/24 --gateway 10.124.0.1 second
    is "$output" "Error: gateway 10.124.0.1 not in subnet 10.123.3.0/24"
    run_berth 125 network create --gateway 10.123.3.1 second
    is "$output" "Error: cannot set gateway or range without subnet"
    run_berth 125 network create -d macvlan second
    is "$output" "Error: unsupported driver macvlan: invalid argument"
    run_berth 125 network create 'bad/name'
    is "$output" "Error: network name bad/name invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
    run_berth 125 network create first
    is "$output" "Error: network name first already used: network already exists"
    run_berth network create --ignore first
    is "$output" "first"
    run_berth network ls -q
    is "$output" $'first\npodman' "nothing half-made"
}

@test "run on a user network: bad input leaves no container" {
    run_berth network create --subnet 10.123.4.0/24 n4
    run_berth 125 run --rm --network nosuch $IMAGE true
    is "$output" "Error: unable to find network with name or ID nosuch: network not found"
    run_berth 125 create --network n4 --ip 10.123.5.9 $IMAGE true
    is "$output" "Error: requested static ip 10.123.5.9 not in any subnet on network n4"
    run_berth 125 create --network n4 --ip 10.123.4.300 $IMAGE true
    is "$output" "Error: 10.123.4.300 is not an IP address"
    run_berth 125 create --network n4 --mac-address 02:zz:00:00:00:01 $IMAGE true
    is "$output" "Error: address 02:zz:00:00:00:01: invalid MAC address"
    run_berth ps -a -q
    is "$output" "" "no container was created"
}

@test "containers on a network reach each other by name and alias, in both start orders" {
    run_berth network create --subnet 10.123.6.0/24 web6
    # Server first, then the client.
    run_berth run -d --name server1 --network web6 --network-alias www1 $IMAGE sh -c "$(web_script one)"
    run_berth run -d --name client1 --network web6 $IMAGE sleep 100
    fetch_in client1 server1
    is "$output" "hello from one" "by name"
    fetch_in client1 www1
    is "$output" "hello from one" "by alias"

    # A server started after its client: the client's hosts file is updated.
    run_berth run -d --name server2 --network web6 --network-alias www2 $IMAGE sh -c "$(web_script two)"
    fetch_in client1 server2
    is "$output" "hello from two" "a later container, by name"
    fetch_in client1 www2
    is "$output" "hello from two" "a later container, by alias"
    fetch_in server2 server1
    is "$output" "hello from one" "and the other way"

    run_berth exec client1 ip -4 -o addr show eth0
    assert "$output" =~ "inet 10.123.6.[0-9]+/24" "an address from the subnet"
    run_berth exec client1 ip route
    assert "$output" =~ "default via 10.123.6.1" "routed through the gateway"

    run_berth inspect --format '{{.HostConfig.NetworkMode}}' client1
    is "$output" "bridge"
    run_berth inspect --format '{{(index .NetworkSettings.Networks "web6").Gateway}}' client1
    is "$output" "10.123.6.1"

    # A stopped member's name goes from the others' hosts files.
    run_berth rm -f -t 0 server2
    run_berth exec client1 cat /etc/hosts
    assert "$output" !~ "server2" "server2 is gone from client1's hosts"
    assert "$output" =~ "server1 www1"
}

@test "--ip, --mac-address and several networks" {
    run_berth network create --subnet 10.123.7.0/24 n7
    run_berth network create --subnet 10.123.8.0/24 n8
    run_berth run --rm --network n7 --ip 10.123.7.77 --mac-address 02:42:ac:11:00:07 $IMAGE \
        ip -o link show eth0
    assert "$output" =~ "02:42:ac:11:00:07" "the MAC address"
    run_berth run --rm --network n7 --ip 10.123.7.77 $IMAGE ip -4 -o addr show eth0
    assert "$output" =~ "inet 10.123.7.77/24" "the static address"
    run_berth run --rm --network n7,n8 $IMAGE ip -4 -o addr
    assert "$output" =~ "eth0 +inet 10.123.7." "eth0 on the first network"
    assert "$output" =~ "eth1 +inet 10.123.8." "eth1 on the second"
    run_berth run --rm --network n7 --network n8 $IMAGE ip -4 -o addr
    assert "$output" =~ "eth1 +inet 10.123.8." "--network repeated"

    # A taken static address is refused at start.
    run_berth run -d --name holder --network n7 --ip 10.123.7.50 $IMAGE sleep 100
    run_berth 125 run --rm --network n7 --ip 10.123.7.50 $IMAGE true
    assert "$output" =~ "requested ip address 10.123.7.50 is already allocated"
}

@test "--internal networks have no way out; others reach the host" {
    local hostip
    hostip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
    [[ -n "$hostip" ]] || skip "the host has no default route"
    local port=$((20000 + RANDOM % 30000))
    mkdir -p "$BATS_TEST_TMPDIR/www"
    echo "host page" >"$BATS_TEST_TMPDIR/www/index.html"
    busybox httpd -f -p "$hostip:$port" -h "$BATS_TEST_TMPDIR/www" &
    HOST_PIDS+=($!)

    run_berth network create --subnet 10.123.9.0/24 open9
    run_berth network create --internal --subnet 10.123.10.0/24 closed10
    run_berth run --rm --network open9 $IMAGE sh -c "$(http_get "$hostip" "$port")"
    is "$output" "host page" "a normal network reaches the host"
    run_berth ? run --rm --network closed10 $IMAGE sh -c "$(http_get "$hostip" "$port")"
    assert "$output" != "host page" "an internal network does not"
    run_berth run --rm --network closed10 $IMAGE ip route
    assert "$output" !~ "default" "no default route"
}

@test "network disconnect removes reachability; connect adds it" {
    run_berth network create --subnet 10.123.11.0/24 n11
    run_berth network create --subnet 10.123.12.0/24 n12
    run_berth run -d --name srv --network n11 $IMAGE sh -c "$(web_script srv)"
    run_berth run -d --name cli --network n11 $IMAGE sleep 100
    fetch_in cli srv
    is "$output" "hello from srv"
    run_berth inspect --format '{{(index .NetworkSettings.Networks "n11").IPAddress}}' srv
    local ip=$output

    run_berth network disconnect n11 srv
    run_berth ? exec cli sh -c "$(http_get srv)"
    assert "$output" != "hello from srv" "srv is not reachable by name"
    run_berth exec cli cat /etc/hosts
    assert "$output" !~ "srv" "nor in cli's hosts file"
    run_berth ? exec cli sh -c "$(http_get "$ip")"
    assert "$output" != "hello from srv" "nor by address"
    run_berth 125 network disconnect n11 srv
    is "$output" "Error: container srv is not connected to network n11"

    # Connected to another network: reachable there, by name.
    run_berth network connect --alias srv12 n12 srv
    run_berth network connect n12 cli
    fetch_in cli srv12
    is "$output" "hello from srv" "by the alias given at connect"
    run_berth 125 network connect n12 cli
    is "$output" "Error: container cli is already connected to network n12"
    run_berth 125 network connect nosuch cli
    is "$output" "Error: unable to find network with name or ID nosuch: network not found"
}

@test "network rm refuses a network in use without -f; -f removes its containers" {
    run_berth network create --subnet 10.123.13.0/24 n13
    run_berth run -d --name user13 --network n13 $IMAGE sleep 100
    run_berth 2 network rm n13
    is "$output" 'Error: "n13" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used'
    run_berth network exists n13
    run_berth network prune -f
    is "$output" "" "prune keeps a network in use"
    run_berth network rm -f -t 0 n13
    is "$output" "n13"
    run_berth ps -a -q
    is "$output" "" "its container was removed"
}

@test "the last container's rm leaves no bridge, rule, holder or namespace" {
    run_berth network create --subnet 10.123.14.0/24 n14
    run_berth run -d --name a14 --network n14 $IMAGE sleep 100
    run_berth run -d --name b14 --network n14 $IMAGE sleep 100
    local holder=""
    if is_rootless; then
        holder=$(holder_pid)
        assert "$holder" != "" "the per-user network namespace is held"
        run_berth run --rm --network n14 $IMAGE true
        is "$(holder_pid)" "$holder" "and reused"
    else
        run ip link show berth1
        assert "$status" -eq 0 "the bridge is on the host"
    fi
    run_berth rm -f -t 0 a14
    if is_rootless; then
        is "$(holder_pid)" "$holder" "kept while a container is on a network"
    fi
    run_berth rm -f -t 0 b14
    if is_rootless; then
        local i
        for i in $(seq 20); do kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
        run kill -0 "$holder"
        assert "$status" -ne 0 "the holder is gone"
        run pgrep -f "slirp4netns.*/proc/$holder/ns/net"
        assert "$status" -ne 0 "and its slirp4netns"
    else
        run ip link show berth1
        assert "$status" -ne 0 "the bridge is gone"
        run sh -c "ip -o link show | grep -c 'master berth1'"
        is "$output" "0" "no veth left"
        run sh -c "iptables -S FORWARD; iptables -t nat -S POSTROUTING"
        assert "$output" !~ "berth berth1" "no rule left"
    fi
}

@test "-p on a user network serves the container's port, and goes with it" {
    local port=$((20000 + RANDOM % 30000))
    run_berth network create --subnet 10.123.15.0/24 n15
    run_berth run -d --name pub --network n15 -p 127.0.0.1:$port:80 $IMAGE sh -c "$(web_script pub)"
    local i
    for i in $(seq 30); do
        output=$(curl -s --max-time 2 "http://127.0.0.1:$port/") && [[ -n "$output" ]] && break
        sleep 0.2
    done
    is "$output" "hello from pub" "the page, through the published port"
    run_berth 125 run --rm --network n15 -p 127.0.0.1:$port:80 $IMAGE true
    assert "$output" =~ "$port" "a taken port is refused, naming it"
    run_berth inspect --format '{{.Id}}' pub
    local id=${output:0:12}
    if ! is_rootless; then
        run sh -c "iptables -t nat -S | grep -c 'berth $id'"
        is "$output" "3" "DNAT from outside and from the host, masquerade from loopback"
    fi
    run_berth rm -f -t 0 pub
    if ! is_rootless; then
        run sh -c "iptables -t nat -S | grep -c 'berth $id'"
        is "$output" "0" "the rules went with the container"
    fi
    run ! curl -s --max-time 2 "http://127.0.0.1:$port/"
}
