# -*- bash -*-
# SPDX-License-Identifier: Apache-2.0
#
# Local CNCF registries (Debian's docker-registry) for the registry tests
# and bench/pull.sh: each on 127.0.0.1 at a free port, with its data, config
# and log in a directory of its own. Load after helpers.bash.
#
#   start_registry DIR [open|htpasswd|tls|token]   sets REGISTRY_PORT, REGISTRY_PID
#   stop_registry DIR
#
# htpasswd: user "anchor" password "anchorpw" (bcrypt, as docker-registry
# requires). tls: a self-signed certificate for 127.0.0.1 in DIR/certs
# (DIR/certs/ca.crt for --cert-dir). token: docker-registry's token auth
# behind tests/fixtures/registry-token-server.py (user "tokenuser" password
# "tokenpw"), which signs JWTs with a key whose certificate is the
# registry's rootcertbundle; TOKEN_PORT is its port.

REGISTRY_HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

function free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

function _wait_for_port() {
    local port=$1 scheme=${2:-http} i
    for i in $(seq 1 100); do
        if curl -sk -o /dev/null "$scheme://127.0.0.1:$port/" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

function start_registry() {
    local dir=$1 mode=${2:-open}
    mkdir -p "$dir/data"
    REGISTRY_PORT=$(free_port)
    local auth="" tls=""
    case "$mode" in
        open) ;;
        htpasswd)
            htpasswd -Bbn anchor anchorpw >"$dir/htpasswd" 2>/dev/null
            auth="auth:
  htpasswd:
    realm: berth-test-realm
    path: $dir/htpasswd"
            ;;
        tls)
            mkdir -p "$dir/certs"
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
                -addext "subjectAltName=IP:127.0.0.1" \
                -keyout "$dir/certs/key.pem" -out "$dir/certs/ca.crt" 2>/dev/null
            tls="  tls:
    certificate: $dir/certs/ca.crt
    key: $dir/certs/key.pem"
            ;;
        token)
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth-test-token" \
                -keyout "$dir/token-key.pem" -out "$dir/token-cert.pem" 2>/dev/null
            TOKEN_PORT=$(free_port)
            auth="auth:
  token:
    realm: http://127.0.0.1:$TOKEN_PORT/token
    service: berth-test-registry
    issuer: berth-test-issuer
    rootcertbundle: $dir/token-cert.pem"
            setsid /usr/bin/python3 "$REGISTRY_HELPERS_DIR/../fixtures/registry-token-server.py" \
                --port "$TOKEN_PORT" --key "$dir/token-key.pem" --cert "$dir/token-cert.pem" \
                --service berth-test-registry --issuer berth-test-issuer \
                --users tokenuser:tokenpw --expires "${TOKEN_EXPIRES:-300}" \
                --jwt-expires "${TOKEN_JWT_EXPIRES:-0}" \
                --log "$dir/token.log" </dev/null >"$dir/token.out" 2>&1 &
            echo $! >"$dir/token.pid"
            _wait_for_port "$TOKEN_PORT" || { cat "$dir/token.out" >&2; return 1; }
            ;;
        *) echo "start_registry: unknown mode $mode" >&2; return 1 ;;
    esac
    cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
$tls
$auth
CONFIG
    # docker-registry takes REGISTRY_* variables as configuration: not ours.
    setsid env -u REGISTRY_AUTH_FILE docker-registry serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 &
    REGISTRY_PID=$!
    echo "$REGISTRY_PID" >"$dir/registry.pid"
    echo "$REGISTRY_PORT" >"$dir/port"
    local scheme=http
    [[ "$mode" == tls ]] && scheme=https
    if ! _wait_for_port "$REGISTRY_PORT" "$scheme"; then
        cat "$dir/registry.log" >&2
        stop_registry "$dir"
        return 1
    fi
}

function stop_registry() {
    local dir=$1 pidfile
    for pidfile in "$dir/registry.pid" "$dir/token.pid" "$dir/proxy.pid"; do
        if [[ -r "$pidfile" ]]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
            rm -f "$pidfile"
        fi
    done
}

# push_fixture OCI_DIR REGISTRY_REF: skopeo copies a fixture OCI layout's
# "latest" to the registry (plain HTTP).
function push_fixture() {
    skopeo copy -q --dest-tls-verify=false "oci:$1:latest" "docker://$2" >/dev/null
}

# start_proxy DIR UPSTREAM ARGS...: registry-flaky-proxy.py in front of
# UPSTREAM (host:port); sets PROXY_PORT; its log is DIR/proxy.log.
function start_proxy() {
    local dir=$1 upstream=$2
    shift 2
    mkdir -p "$dir"
    PROXY_PORT=$(free_port)
    : >"$dir/proxy.log"
    setsid /usr/bin/python3 "$REGISTRY_HELPERS_DIR/../fixtures/registry-flaky-proxy.py" \
        --port "$PROXY_PORT" --upstream "$upstream" --log "$dir/proxy.log" "$@" \
        </dev/null >"$dir/proxy.out" 2>&1 &
    echo $! >"$dir/proxy.pid"
    _wait_for_port "$PROXY_PORT" || { cat "$dir/proxy.out" >&2; return 1; }
}
