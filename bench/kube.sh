#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# berth's `kube play` and `kube down` of a two-container pod (busybox httpd
# and a sleeping sidecar) against Podman's. N rounds, the tools alternating
# in each round; each round plays the file, then downs it. Prints medians
# and ratios; exits 1 if a command failed. Not a test.
#
# Usage: BERTH=build/src/cli/berth bench/kube.sh   (rootless or root)
#   N=10 WARMUP=1   rounds and untimed rounds first
#   BERTH, BERTH_FIXTURES, BERTH_SNAPSHOT, BENCH_TMP, PODMAN_STORAGE_DRIVER:
#                   as for run.sh (bench/lib.sh)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_mask_unified "$@"

n=${N:-10}
warmup=${WARMUP:-1}

bench_find_berth podman
bench_make_stores bkube
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_snapshot_berth
bench_load_images

# As root, podman's pod containers ask for RLIMIT_NOFILE 1048576, which this
# machine (itself a container) may refuse: low fixed limits for its containers.
if ! $rootless; then
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' >"$tmp/containers.conf"
  export CONTAINERS_CONF=$tmp/containers.conf
fi

yaml=$tmp/pod.yaml
cat >"$yaml" <<EOT
apiVersion: v1
kind: Pod
metadata:
  name: bench
spec:
  containers:
  - name: web
    image: $img
    command: [httpd, -f, -p, "8080", -h, /]
  - name: side
    image: $img
    command: [sleep, "1000"]
  restartPolicy: Never
EOT

note "kube play / kube down of a two-container pod: $warmup warm-up + $n rounds ..."
for ((i = 0; i < warmup; i++)); do
  b kube play "$yaml" >/dev/null 2>&1 || true
  b kube down "$yaml" >/dev/null 2>&1 || true
  p kube play "$yaml" >/dev/null 2>&1 || true
  p kube down "$yaml" >/dev/null 2>&1 || true
done
for ((i = 0; i < n; i++)); do
  for tool in $(rotate "$i" berth podman); do
    case $tool in
      berth)
        measure play.berth b kube play "$yaml" || true
        measure down.berth b kube down "$yaml" || true
        ;;
      podman)
        measure play.podman p kube play "$yaml" || true
        measure down.podman p kube down "$yaml" || true
        ;;
    esac
  done
done

mode=root
if $rootless; then mode=rootless; fi
pb=$(median play.berth) pp=$(median play.podman) db=$(median down.berth) dp=$(median down.podman)
echo
echo "berth kube benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), $(id -un) ($mode)"
echo "berth ($berth_orig), podman $(podman --version | awk '{print $NF}')"
echo "times in ms: medians of $n rounds (failures: berth $(fails play.berth)/$(fails down.berth), podman $(fails play.podman)/$(fails down.podman))"
printf '%-34s %10s %10s %9s  %s\n' "" berth podman b/podman ""
printf '%-34s %10s %10s %9s  %s\n' "kube play (2 containers)" "$(ms "$pb")" "$(ms "$pp")" "$(ratio "$pb" "$pp")" "goal <= 0.2"
printf '%-34s %10s %10s %9s  %s\n' "kube down" "$(ms "$db")" "$(ms "$dp")" "$(ratio "$db" "$dp")" "goal <= 0.2"
if ((failed)); then
  echo
  echo "FAILURES (the first of each, with its command):"
  cat "$tmp"/fail/*.first
  exit 1
fi
