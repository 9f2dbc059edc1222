#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Networking, root and rootless: the default network (rootless: slirp4netns
# or pasta per container, network_cmd; root: the bridge podman), -p/-P
# publishing and what the container sees of the client, port/ps/inspect, the host's loopback only when asked,
# resolv.conf, hosts, MTU, container: and bad input.

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
    local pid
    for pid in "${HOST_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
}

# A TCP port of the host nobody listens on (and its neighbour, for ranges).
function free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 4<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
            ! (exec 4<>"/dev/tcp/127.0.0.1/$((port + 1))") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port found"
}

# Waits up to 5 s for process $1 to end; fails if it does not.
function wait_pid_gone() {
    local i
    for i in $(seq 50); do
        [[ -d /proc/$1 ]] || return 0
        sleep 0.1
    done
    return 1
}

# Serves / ("hello") and /cgi-bin/ip (the client's address as httpd saw it)
# on port 80 of the container.
WEB_SCRIPT='mkdir -p /www/cgi-bin && echo hello >/www/index.html &&
printf "#!/bin/sh\necho Content-type: text/plain\necho\necho \$REMOTE_ADDR\n" >/www/cgi-bin/ip &&
chmod +x /www/cgi-bin/ip && exec httpd -f -p 80 -h /www'

# Fetches $1 from the host, trying for a few seconds while httpd starts.
function fetch() {
    local url=$1 i
    for i in $(seq 50); do
        if output=$(curl -s --max-time 2 "$url"); then
            [[ -n "$output" ]] && return 0
        fi
        sleep 0.1
    done
    echo "# could not fetch $url" >&2
    return 1
}

@test "network: -p with pasta serves a page and the container sees the client's address" {
    local port
    port=$(free_port)
    run_berth run -d --name web --network pasta -p 127.0.0.1:$port:80 $IMAGE sh -c "$WEB_SCRIPT"
    fetch "http://127.0.0.1:$port/"
    is "$output" "hello" "the page, through the published port"
    fetch "http://127.0.0.1:$port/cgi-bin/ip"
    assert "$output" =~ "^\[?(::ffff:)?127.0.0.1\]?$" "the container sees the client's address, not a gateway's"

    run_berth inspect --format '{{.HostConfig.NetworkMode}}' web
    is "$output" "pasta"
    run_berth rm -f -t 0 web
    # The helper went with the container: the port is free again.
    run ! curl -s --max-time 2 "http://127.0.0.1:$port/"
}

@test "network: -p with slirp4netns serves a page" {
    local port
    port=$(free_port)
    run_berth run -d --name web --network slirp4netns -p $port:80 $IMAGE sh -c "$WEB_SCRIPT"
    fetch "http://127.0.0.1:$port/"
    is "$output" "hello" "the page, through slirp4netns's forwarder"
    run_berth inspect --format '{{.HostConfig.NetworkMode}}' web
    is "$output" "slirp4netns"
}

@test "network: the default rootless stack is slirp4netns, pasta when ports are published, or network_cmd" {
    skip_if_root "root's default network is the bridge podman (tested below)"
    local port
    port=$(free_port)
    run_berth create --name plain $IMAGE true
    run_berth create --name published -p $port:80 $IMAGE true
    run_berth inspect --format '{{.HostConfig.NetworkMode}}' plain published
    is "$output" $'slirp4netns\npasta'
    run_berth inspect --format '{{json .NetworkSettings.Networks}}' plain
    is "$output" "null" "no bridge network"

    local conf=$BATS_TEST_TMPDIR/berth.conf
    printf '[network]\nnetwork_cmd = "pasta"\n' >"$conf"
    BERTH_CONFIG=$conf run_berth create --name configured $IMAGE true
    run_berth inspect --format '{{.HostConfig.NetworkMode}}' configured
    is "$output" "pasta" "network_cmd picks the stack"

    printf 'network_cmd = "vpnkit"\n' >"$conf"
    BERTH_CONFIG=$conf run_berth 125 create $IMAGE true
    is "$output" 'Error: network_cmd "vpnkit" in the configuration: expected pasta or slirp4netns'

    run_berth 125 create --network-alias dfltalias $IMAGE true
    is "$output" "Error: invalid config provided: networks and static ip/mac address can only be used with Bridge mode networking"
    run_berth 125 create --ip 10.88.0.9 $IMAGE true
    is "$output" "Error: invalid config provided: networks and static ip/mac address can only be used with Bridge mode networking"
}

@test "network: root's default network is the bridge podman, as Podman's" {
    skip_if_rootless "rootless, the default is a user-mode stack (tested above)"
    local hostip
    hostip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
    [[ -n "$hostip" ]] || skip "the host has no default route"
    local p1 p2 hostport
    p1=$(free_port)
    p2=$(free_port)
    hostport=$(free_port)
    local before
    before=$(iptables-save)

    run_berth run -d --name dfltweb -p 127.0.0.1:$p1:80 -p $p2:80 $IMAGE sh -c "$WEB_SCRIPT"
    local id=$output
    run_berth inspect --format '{{.HostConfig.NetworkMode}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' dfltweb
    is "$output" "bridge podman" "NetworkMode and Networks as Podman's"
    run_berth inspect --format '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.NetworkSettings.IPPrefixLen}} {{.NetworkSettings.Networks.podman.IPAddress}}' dfltweb
    assert "$output" =~ "^10\.88\.[0-9]+\.[0-9]+ 10\.88\.0\.1 16 10\.88\.[0-9]+\.[0-9]+$" \
        "the address on top, as Podman shows it for the default network alone"
    local address=${output%% *}
    is "${output##* }" "$address" "the same address in Networks.podman"
    run_berth exec dfltweb ip -o -4 addr show eth0
    assert "$output" =~ "inet $address/16" "the container has that address on eth0"
    run ip -o link show "veth${id:0:10}0"
    assert "$status" -eq 0 "its veth is on the host"
    assert "$output" =~ "master berth0" "on the bridge berth0"

    fetch "http://127.0.0.1:$p1/"
    is "$output" "hello" "the page, through the port published on 127.0.0.1"
    fetch "http://$hostip:$p2/cgi-bin/ip"
    assert "$output" =~ "^\[?(::ffff:)?${hostip//./\\.}\]?$" "the container sees the client's real address"
    run ! curl -s --max-time 2 "http://$hostip:$p1/"

    # Egress: a server of the host's, through the bridge's gateway.
    mkdir -p "$BATS_TEST_TMPDIR/www"
    echo "from-host" >"$BATS_TEST_TMPDIR/www/index.html"
    busybox httpd -f -p "$hostip:$hostport" -h "$BATS_TEST_TMPDIR/www" &
    HOST_PIDS+=($!)
    run_berth run --rm $IMAGE sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 nc -w 3 $hostip $hostport"
    assert "$output" =~ "from-host" "a container on the default network reaches the host"

    run sh -c "iptables-save | grep -c 'berth ${id:0:12}'"
    assert "$output" -gt 0 "the container's DNAT rules are in place"
    run_berth rm -f -t 0 dfltweb
    run sh -c "iptables-save | grep -c 'berth ${id:0:12}'"
    is "$output" "0" "rm leaves no rule of the container behind"
    is "$(iptables-save | grep -c "berth ${id:0:12}")" \
        "$(grep -c "berth ${id:0:12}" <<<"$before")" "iptables-save has none before or after"
    local i
    for i in $(seq 50); do
        ip link show "veth${id:0:10}0" >/dev/null 2>&1 || break
        sleep 0.1
    done
    run ip link show "veth${id:0:10}0"
    assert "$status" -ne 0 "rm leaves no veth behind"
    run ! curl -s --max-time 2 "http://127.0.0.1:$p1/"

    # bridge names the default network; --ip and --network-alias apply to it.
    run_berth create --name dfltnamed --network bridge $IMAGE true
    run_berth inspect --format '{{.HostConfig.NetworkMode}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' dfltnamed
    is "$output" "bridge podman" "--network bridge is the default network"
    run_berth run --rm --name dfltip --ip 10.88.200.9 --network-alias dfltalias $IMAGE \
        sh -c 'ip -o -4 addr show eth0; cat /etc/hosts'
    assert "$output" =~ "inet 10.88.200.9/16" "--ip on the default network"
    assert "$output" =~ "10.88.200.9	[0-9a-f]{12} dfltip dfltalias" "--network-alias on the default network"
}

@test "network: UDP publish" {
    # busybox's nc has no UDP: a tiny static receiver, printing what comes.
    command -v cc >/dev/null || skip "no C compiler for the UDP receiver"
    local dir=$BATS_TEST_TMPDIR/udp
    mkdir -p "$dir"
    cat >"$dir/udprecv.c" <<'SRC'
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
int main(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(5353)};
  if (bind(s, (struct sockaddr*)&a, sizeof a) != 0) return 1;
  char buf[512];
  for (;;) {
    ssize_t n = recv(s, buf, sizeof buf - 1, 0);
    if (n > 0) { buf[n] = 0; printf("got %s\n", buf); fflush(stdout); }
  }
}
SRC
    cc -static -O -o "$dir/udprecv" "$dir/udprecv.c"
    chmod -R a+rX "$dir"
    local port
    port=$(free_port)
    run_berth run -d --name udp -v "$dir:/t:ro" -p 127.0.0.1:$port:5353/udp $IMAGE /t/udprecv
    local i
    for i in $(seq 50); do
        echo "datagram-$i" >"/dev/udp/127.0.0.1/$port" || true
        sleep 0.1
        run_berth logs udp
        [[ "$output" =~ datagram ]] && break
    done
    assert "$output" =~ "got datagram-" "a datagram sent to the host port reached the container"
    run_berth inspect --format '{{.HostConfig.NetworkMode}}' udp
    if is_rootless; then
        is "$output" "pasta"
    else
        is "$output" "bridge" "root: the default network's DNAT rules"
    fi
}

@test "network: port, ps PORTS and inspect show the mappings as Podman does" {
    local p1 p2
    p1=$(free_port)
    p2=$(free_port)
    run_berth run -d --name ports --network slirp4netns -p 127.0.0.1:$p1:80 \
        -p $p2-$((p2 + 1)):90-91/udp $IMAGE sleep 100
    local id=$output

    run_berth port ports
    is "$output" "90/udp -> 0.0.0.0:$p2
91/udp -> 0.0.0.0:$((p2 + 1))
80/tcp -> 127.0.0.1:$p1"
    run_berth port ports 80
    is "$output" "127.0.0.1:$p1"
    run_berth port ports 91/udp
    is "$output" "0.0.0.0:$((p2 + 1))"
    run_berth 125 port ports 81
    is "$output" 'Error: failed to find published port "81"'
    run_berth port -l 80/tcp
    is "$output" "127.0.0.1:$p1"
    run_berth port -a
    assert "$output" =~ "${id:0:12}	80/tcp -> 127.0.0.1:$p1" "port -a prefixes the id"
    run_berth port -l 90/udp
    is "$output" "0.0.0.0:$p2"

    run_berth ps --format '{{.Ports}}'
    is "$output" "0.0.0.0:$p2-$((p2 + 1))->90-91/udp, 127.0.0.1:$p1->80/tcp"
    run_berth ps --format json
    assert "$output" =~ "\"host_port\": $p1" "ps json lists the mapping"

    run_berth inspect --format '{{json .HostConfig.PortBindings}}' ports
    assert "$output" =~ "\"90/udp\":\\[\\{\"HostIp\":\"\",\"HostPort\":\"$p2\"\\}\\]"
    assert "$output" =~ "\"91/udp\":\\[\\{\"HostIp\":\"\",\"HostPort\":\"$((p2 + 1))\"\\}\\]"
    assert "$output" =~ "\"80/tcp\":\\[\\{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$p1\"\\}\\]"
    run_berth inspect --format '{{json .NetworkSettings.Ports}}' ports
    assert "$output" =~ "\"80/tcp\":\\[\\{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$p1\"\\}\\]"

    # A stopped container publishes nothing.
    run_berth stop -t 0 ports
    run_berth port ports
    is "$output" ""
    run_berth ps -a --format '{{.Ports}}'
    is "$output" "0.0.0.0:$p2-$((p2 + 1))->90-91/udp, 127.0.0.1:$p1->80/tcp"
}

@test "network: -P publishes the image's EXPOSEd ports on random host ports" {
    run_berth import --change 'EXPOSE 80' --change 'EXPOSE 81/udp' \
        "$BERTH_FIXTURES/busybox-rootfs.tar" localhost/exposed
    run_berth run -d --name all -P localhost/exposed sh -c "$WEB_SCRIPT"
    run_berth port all 80
    assert "$output" =~ "^0.0.0.0:[0-9]+$"
    local port=${output#0.0.0.0:}
    run_berth port all 81/udp
    assert "$output" =~ "^0.0.0.0:[0-9]+$" "the UDP port too"
    fetch "http://127.0.0.1:$port/"
    is "$output" "hello" "the random port serves"
    run_berth inspect --format '{{.HostConfig.PublishAllPorts}}' all
    is "$output" "true"
    run_berth rm -f -t 0 all
    run_berth rmi localhost/exposed
}

@test "network: the host's loopback is reachable only when asked" {
    local port dir=$BATS_TEST_TMPDIR/www
    port=$(free_port)
    mkdir -p "$dir"
    echo "from-host" >"$dir/index.html"
    busybox httpd -f -p 127.0.0.1:$port -h "$dir" &
    HOST_PIDS+=($!)
    # (busybox-static's wget crashes on this image: nc speaks HTTP/1.0)
    local get="printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc -w 3"

    run_berth '?' run --rm --network slirp4netns:allow_host_loopback=true $IMAGE \
        sh -c "$get host.containers.internal $port"
    assert "$output" =~ "from-host" "slirp4netns with allow_host_loopback"
    run_berth '?' run --rm --network pasta:--map-gw $IMAGE sh -c "$get host.containers.internal $port"
    assert "$output" =~ "from-host" "pasta with --map-gw"

    run_berth run --rm --network slirp4netns $IMAGE cat /etc/hosts
    assert "$output" !~ "host.containers.internal" "not in /etc/hosts unless asked"
    run_berth '?' run --rm --network slirp4netns $IMAGE sh -c "$get 10.0.2.2 $port"
    assert "$output" !~ "from-host" "slirp4netns does not reach the host's loopback unless asked"
    run_berth '?' run --rm --network pasta $IMAGE sh -c \
        "gw=\$(ip route | awk '/default/ {print \$3}'); $get \$gw $port"
    assert "$output" !~ "from-host" "pasta does not map the gateway to the host unless asked"
}

@test "network: resolv.conf, hosts and the MTU of the default network" {
    run_berth run --rm --name dnsctr --hostname box --network slirp4netns $IMAGE \
        sh -c 'cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; cat /sys/class/net/tap0/mtu'
    assert "$output" =~ "nameserver 10.0.2.3" "slirp4netns's DNS forwarder first"
    assert "$output" =~ "10.0.2.100	box dnsctr" "the container's own name"
    assert "$output" =~ "---
65520$" "MTU 65520"

    run_berth run --rm --network pasta $IMAGE sh -c 'cat /sys/class/net/*/mtu'
    assert "$output" =~ "65520" "pasta's interface has MTU 65520 too"
}

@test "network: --dns, --dns-search, --dns-option, --add-host, --hostname" {
    run_berth run --rm --name dnsflags --hostname box --dns 192.0.2.53 --dns-search example.com \
        --dns-option ndots:3 --add-host db.local:192.0.2.10 --network slirp4netns $IMAGE \
        sh -c 'cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; hostname'
    assert "$output" =~ "search example.com" "--dns-search"
    assert "$output" =~ "options ndots:3" "--dns-option"
    assert "$output" =~ "nameserver 192.0.2.53" "--dns"
    assert "$output" !~ "nameserver 10.0.2.3" "--dns replaces the stack's server"
    assert "$output" =~ "192.0.2.10	db.local" "--add-host"
    assert "$output" =~ "10.0.2.100	box dnsflags" "the container's own entry"
    assert "$output" =~ "---
box$" "--hostname"
    run_berth run --rm --network none --add-host a.b:2001:db8::1 --dns 192.0.2.54 $IMAGE \
        sh -c 'cat /etc/hosts /etc/resolv.conf'
    assert "$output" =~ "2001:db8::1	a.b" "--add-host with an IPv6 address, --network none"
    assert "$output" =~ "nameserver 192.0.2.54"
    run_berth create --name dnsinspect --dns 192.0.2.53 --add-host x:192.0.2.1 $IMAGE true
    run_berth inspect --format '{{.HostConfig.Dns}} {{.HostConfig.ExtraHosts}}' dnsinspect
    is "$output" "[192.0.2.53] [x:192.0.2.1]"

    run_berth 125 run --rm --dns bogus $IMAGE true
    is "$output" "Error: bogus is not an ip address"
    run_berth 125 run --rm --add-host nohost $IMAGE true
    is "$output" 'Error: bad format for add-host: "nohost"'
    run_berth 125 run --rm --add-host h:notanip $IMAGE true
    is "$output" 'Error: invalid IP address in add-host: "notanip"'
}

@test "network: container: shares another container's network namespace" {
    run_berth run -d --name owner --network slirp4netns $IMAGE sleep 100
    run_berth exec owner ip -o addr
    local theirs=$output
    run_berth run --rm --network container:owner $IMAGE ip -o addr
    is "$output" "$theirs" "the same interfaces and addresses"
    run_berth inspect --format '{{.HostConfig.NetworkMode}}' owner
    run_berth create --name joiner --network container:owner $IMAGE true
    run_berth inspect --format '{{.HostConfig.NetworkMode}}' joiner
    assert "$output" =~ "^container:[0-9a-f]{64}$"
    run_berth 125 run --rm --network container:nosuchctr $IMAGE true
    is "$output" 'Error: no container with name or ID "nosuchctr" found: no such container'
}

@test "network: bad input is refused with one line and 125" {
    run_berth 125 run --rm -p 99999:80 $IMAGE true
    is "$output" "Error: parsing host port: port numbers must be between 1 and 65535 (inclusive), got 99999"
    run_berth 125 run --rm -p abc $IMAGE true
    is "$output" 'Error: parsing container port: invalid port number: strconv.Atoi: parsing "abc": invalid syntax'
    run_berth 125 run --rm -p 80/xyz $IMAGE true
    is "$output" 'Error: unrecognized protocol "xyz" in port mapping'
    run_berth 125 run --rm -p 8080-8081:80 $IMAGE true
    is "$output" "Error: host and container port ranges have different lengths: 2 vs 1"
    run_berth 125 run --rm --network nosuchnet $IMAGE true
    is "$output" "Error: unable to find network with name or ID nosuchnet: network not found"
    run_berth 125 port nosuchctr
    is "$output" 'Error: no container with name or ID "nosuchctr" found: no such container'
    run_berth 125 port
    is "$output" "Error: you must supply a running container name or id"

    # A host port already taken: named, and no container is left behind.
    local port
    port=$(free_port)
    busybox nc -l -p $port >/dev/null </dev/null &
    HOST_PIDS+=($!)
    sleep 0.3
    run_berth 125 run --rm --name taken -p 127.0.0.1:$port:80 $IMAGE true
    is "$output" "Error: publish port 80/tcp on 127.0.0.1:$port: address already in use"
    run_berth ps -a --format '{{.Names}}'
    is "$output" "" "nothing created"
}

@test "network: no helper process is left after run --rm and rm" {
    run_berth run --rm --network slirp4netns $IMAGE true
    run_berth run --rm --network pasta $IMAGE true
    run_berth run -d --name longrun --network pasta -p 127.0.0.1:$(free_port):80 $IMAGE sleep 100
    run pgrep -f "$BERTH_TEST_RUNROOT/containers/.*/"
    assert "$output" != "" "the helper runs with the container"
    run_berth rm -f -t 0 longrun
    run pgrep -f "$BERTH_TEST_RUNROOT/containers/.*/"
    is "$output" "" "no helper left after rm"
}

@test "network: a helper left by a SIGKILLed monitor goes at the next cleanup" {
    run_berth run -d --name strayhelper --network pasta -p 127.0.0.1:$(free_port):80 $IMAGE sleep 1000
    run_berth inspect --format '{{.State.ConmonPid}} {{.State.Pid}} {{.Id}}' strayhelper
    local monitor ctr id helper _
    read -r monitor ctr id <<<"$output"
    read -r helper _ <"$BERTH_TEST_RUNROOT/containers/$id/network.pid"
    [[ "$(cat /proc/$helper/comm)" == pas* ]] || die "network.pid does not name the pasta helper (passt)"
    kill -KILL "$monitor"
    wait_pid_gone "$ctr" || die "the container outlived its monitor"
    run_berth ps -a --format '{{.State}}' --filter name=strayhelper
    is "$output" "exited"
    # The next cleanup (the monitor's own never ran) takes the helper too.
    run_berth container cleanup strayhelper
    wait_pid_gone "$helper" || die "the pasta helper outlived the cleanup"
}
