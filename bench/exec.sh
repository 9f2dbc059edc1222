#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# berth exec against podman exec: `exec CTR true` into a running busybox
# container (`run -d --network none IMG sleep`), N rounds, the tools
# alternating in each round. Prints the medians, the ratio and the goal of
# DESIGN.md's performance budget (berth <= 1/10 of Podman); exits 1 if a
# command failed. Not a test.
#
# Usage: BERTH=build/src/cli/berth bench/exec.sh   (rootless: the goal's
#        setting; as root it works too)
#   N=30 WARMUP=3   rounds and untimed rounds first
#   BERTH, BERTH_FIXTURES, BERTH_SNAPSHOT, BENCH_TMP, PODMAN_STORAGE_DRIVER:
#                   as for run.sh (bench/lib.sh)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_mask_unified "$@"

n=${N:-30}
warmup=${WARMUP:-3}
ctr=bench-exec

bench_find_berth podman
bench_make_stores bbe
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_snapshot_berth

bench_load_images
b run -d --name "$ctr" --network none "$img" sleep 100000 >/dev/null || die "berth run -d failed"
p run -d --name "$ctr" --network none "$img" sleep 100000 >/dev/null || die "podman run -d failed"

note "exec $ctr true: $warmup warm-up + $n rounds ..."
for ((i = 0; i < warmup; i++)); do
  b exec "$ctr" true >/dev/null 2>&1 || true
  p exec "$ctr" true >/dev/null 2>&1 || true
done
for ((i = 0; i < n; i++)); do
  for tool in $(rotate "$i" berth podman); do
    case $tool in
      berth) measure exec.berth b exec "$ctr" true || true ;;
      podman) measure exec.podman p exec "$ctr" true || true ;;
    esac
  done
done

mode=root
if $rootless; then mode=rootless; fi
mb=$(median exec.berth) mp=$(median exec.podman)
r=$(ratio "$mb" "$mp")
verdict=MISSED
if [[ -n $r ]] && awk -v r="$r" 'BEGIN { exit !(r <= 0.1) }'; then verdict=met; fi
echo
echo "berth exec benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), $(id -un) ($mode)"
echo "berth $("$berth" version 2>/dev/null | awk '/^Version:/ {print $2}') ($berth_orig), podman $(podman --version | awk '{print $NF}')"
echo "times in ms: medians of $n rounds (failures: berth $(fails exec.berth), podman $(fails exec.podman))"
printf '%-22s %10s %10s %9s  %s\n' "" berth podman b/podman "goal berth/podman <= 0.1"
printf '%-22s %10s %10s %9s  %s\n' "exec $ctr true" "$(ms "$mb")" "$(ms "$mp")" "${r:--}" "$verdict"
if ((failed)); then
  echo
  echo "FAILURES (the first of each, with its command):"
  cat "$tmp"/fail/*.first
  exit 1
fi
