#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copy-up into a new volume, berth against Podman: an image whose /data
# holds FILES (default 10,000) small files, then `run --rm -v volN:/data
# IMG true` with a new volume each round (the first use fills it from the
# image), N rounds, the tools alternating. Prints the medians and the
# ratio; exits 1 if a command failed. Not a test.
#
# Usage: BERTH=build/src/cli/berth bench/volumes.sh   (root or rootless)
#   N=10 FILES=10000   rounds and the size of the image directory
#   BERTH, BERTH_FIXTURES, BERTH_SNAPSHOT, BENCH_TMP, PODMAN_STORAGE_DRIVER:
#                      as for run.sh (bench/lib.sh)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_mask_unified "$@"

n=${N:-10}
files=${FILES:-10000}
volimg=localhost/bench-volumes:latest

bench_find_berth podman tar
bench_make_stores bbv
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
bench_snapshot_berth

# The image: busybox's rootfs plus /data with $files files of 64 bytes in
# 100 directories.
note "making an image with $files files under /data ..."
mkdir -p "$tmp/tree"
tar -xf "$rootfs_tar" -C "$tmp/tree" 2>/dev/null || die "cannot unpack $rootfs_tar"
for ((i = 0; i < files; i++)); do
  d=$tmp/tree/data/d$((i % 100))
  [[ -d $d ]] || mkdir -p "$d"
  printf '%064d' "$i" >"$d/f$i"
done
tar -C "$tmp/tree" --numeric-owner --owner=0 --group=0 -cf "$tmp/image.tar" .
rm -rf "$tmp/tree"
b import "$tmp/image.tar" "$volimg" >/dev/null || die "berth import failed"
p import -q "$tmp/image.tar" "$volimg" >/dev/null || die "podman import failed"

note "run --rm -v volN:/data $volimg true: $n rounds ..."
for ((i = 0; i < n; i++)); do
  for tool in $(rotate "$i" berth podman); do
    case $tool in
      berth)
        measure copyup.berth b run --rm --network none -v "bv$i:/data" "$volimg" true || true
        b volume rm -f "bv$i" >/dev/null 2>&1 || true
        ;;
      podman)
        measure copyup.podman p run --rm --network none -v "pv$i:/data" "$volimg" true || true
        p volume rm -f "pv$i" >/dev/null 2>&1 || true
        ;;
    esac
  done
done
# The copy really happened (checked once, untimed).
b run --rm -v check:/data "$volimg" sh -c "find /data -type f | wc -l" >"$tmp/count" || true
[[ $(tr -d ' \n' <"$tmp/count") == "$files" ]] || note "warning: berth's volume has $(cat "$tmp/count") files, not $files"

mode=root
if $rootless; then mode=rootless; fi
mb=$(median copyup.berth) mp=$(median copyup.podman)
echo
echo "volume copy-up benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), $(id -un) ($mode)"
echo "berth $("$berth" version 2>/dev/null | awk '/^Version:/ {print $2}') ($berth_orig), podman $(podman --version | awk '{print $NF}')"
echo "times in ms: medians of $n rounds (failures: berth $(fails copyup.berth), podman $(fails copyup.podman))"
printf '%-40s %10s %10s %9s\n' "" berth podman b/podman
printf '%-40s %10s %10s %9s\n' "run --rm -v NEW:/data ($files files)" "$(ms "$mb")" "$(ms "$mp")" "$(ratio "$mb" "$mp")"
if ((failed)); then
  echo
  echo "FAILURES (the first of each, with its command):"
  cat "$tmp"/fail/*.first
  exit 1
fi
