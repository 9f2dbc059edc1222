#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# berth pull against podman pull and `skopeo copy` to an OCI directory, from
# a local docker-registry (plain HTTP on 127.0.0.1) into an empty store each
# round (the image is removed between rounds, outside the timing), for the
# busybox fixture (one 1 MB layer) and "big": 5 gzip layers, ~200 MB (a
# static busybox, then seeded random data: bench/make-pull-image.py, made
# once and cached in $BENCH_TMP, pushed by skopeo); then berth push against
# podman push of both to a new repository each round. N rounds, the tools
# alternating. Prints medians and ratios with the goals of issue 6 (pull <=
# skopeo's time and <= 1/2 of Podman's; push <= Podman's); exits 1 if a
# command failed. Not a test.
#
# Usage: BERTH=build/src/cli/berth bench/pull.sh   (root or rootless)
#   N=15 WARMUP=2   rounds and untimed rounds first
#   BIG_MB=200      size of the big image's random data
#   BERTH, BERTH_FIXTURES, BERTH_SNAPSHOT, BENCH_TMP, PODMAN_STORAGE_DRIVER:
#                   as for run.sh (bench/lib.sh)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/system/registry.bash
source "$(dirname "${BASH_SOURCE[0]}")/../tests/system/registry.bash"
bench_mask_unified "$@"

n=${N:-15}
warmup=${WARMUP:-2}

bench_find_berth podman skopeo docker-registry
bench_make_stores bpl
bench_cleanup_hook() { stop_registry "$tmp/reg"; }
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_snapshot_berth

start_registry "$tmp/reg" open || die "docker-registry did not start"
reg=127.0.0.1:$REGISTRY_PORT
push_fixture "$fixtures/busybox-oci" "$reg/busybox:latest" || die "skopeo push of busybox failed"
big_mb=${BIG_MB:-200}
big_oci=${BENCH_TMP:-/tmp}/berth-bench-big-$big_mb-oci
if [[ ! -e $big_oci/index.json ]]; then
  note "making the big image ($big_mb MB, 5 layers) in $big_oci ..."
  rm -rf "$big_oci.tmp"
  python3 "$(dirname "${BASH_SOURCE[0]}")/make-pull-image.py" --mb "$big_mb" --layers 5 \
    --busybox "$(command -v busybox)" "$big_oci.tmp" || die "make-pull-image.py failed"
  mv "$big_oci.tmp" "$big_oci"
fi
push_fixture "$big_oci" "$reg/big:latest" || die "skopeo push of big failed"

empty_stores() { # outside the timing: no image left in either store
  b rmi -a -f >/dev/null 2>&1 || true
  p rmi -a -f >/dev/null 2>&1 || true
  rm -rf "$tmp/oci"
}

for image in busybox big; do
  note "pull $reg/$image: $warmup warm-up + $n rounds ..."
  for ((i = 0; i < warmup + n; i++)); do
    for tool in $(rotate "$i" berth podman skopeo); do
      empty_stores
      if ((i < warmup)); then metric=warmup; else metric=pull.$image.$tool; fi
      case $tool in
        berth) measure "$metric" b pull -q --tls-verify=false "$reg/$image" || true ;;
        podman) measure "$metric" p pull -q --tls-verify=false "$reg/$image" || true ;;
        skopeo) measure "$metric" skopeo copy -q --src-tls-verify=false "docker://$reg/$image" "oci:$tmp/oci:latest" || true ;;
      esac
    done
  done
done

# The stores berth and podman push from.
for image in busybox big; do
  b pull -q --tls-verify=false "$reg/$image" >/dev/null || die "berth pull failed"
  p pull -q --tls-verify=false "$reg/$image" >/dev/null || die "podman pull failed"
  note "push $image: $warmup warm-up + $n rounds ..."
  for ((i = 0; i < warmup + n; i++)); do
    for tool in $(rotate "$i" berth podman); do
      if ((i < warmup)); then metric=warmup; else metric=push.$image.$tool; fi
      case $tool in
        berth) measure "$metric" b push -q --tls-verify=false "$reg/$image" "$reg/pb$i/$image:latest" || true ;;
        podman) measure "$metric" p push -q --tls-verify=false "$reg/$image" "$reg/pp$i/$image:latest" || true ;;
      esac
    done
  done
done

mode=root
if $rootless; then mode=rootless; fi
echo
echo "berth pull/push benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), $(id -un) ($mode)"
echo "berth $("$berth" version 2>/dev/null | awk '/^Version:/ {print $2}') ($berth_orig), podman $(podman --version | awk '{print $NF}'), skopeo $(skopeo --version | awk '{print $NF}')"
echo "times in ms: medians of $n rounds, from docker-registry on 127.0.0.1 (plain HTTP)"
printf '%-16s %9s %9s %9s %9s %9s  %s\n' "" berth podman skopeo b/podman b/skopeo "goals b/podman <= 0.5, b/skopeo <= 1"
for image in busybox big; do
  mb=$(median "pull.$image.berth") mp=$(median "pull.$image.podman") ms_=$(median "pull.$image.skopeo")
  rp=$(ratio "$mb" "$mp") rs=$(ratio "$mb" "$ms_")
  verdict=MISSED
  if [[ -n $rp && -n $rs ]] && awk -v a="$rp" -v b="$rs" 'BEGIN { exit !(a <= 0.5 && b <= 1) }'; then verdict=met; fi
  printf '%-16s %9s %9s %9s %9s %9s  %s\n' "pull $image" "$(ms "$mb")" "$(ms "$mp")" "$(ms "$ms_")" "${rp:--}" "${rs:--}" "$verdict"
done
for image in busybox big; do
  mb=$(median "push.$image.berth") mp=$(median "push.$image.podman")
  rp=$(ratio "$mb" "$mp")
  verdict=MISSED
  if [[ -n $rp ]] && awk -v r="$rp" 'BEGIN { exit !(r <= 1) }'; then verdict=met; fi
  printf '%-16s %9s %9s %9s %9s %9s  %s\n' "push $image" "$(ms "$mb")" "$(ms "$mp")" - "${rp:--}" - "goal b/podman <= 1: $verdict"
done
echo "failures: $(for f in "$tmp"/fail/*.count; do [[ -e $f ]] && printf '%s=%s ' "$(basename "$f" .count)" "$(wc -l <"$f")"; done)"
if ((failed)); then
  echo
  echo "FAILURES (the first of each, with its command):"
  cat "$tmp"/fail/*.first
  exit 1
fi
