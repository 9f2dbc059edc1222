#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# berth's networking against podman's: `run --rm IMG true` with the default
# network and with --network none (the difference is what networking costs),
# with each stack named (slirp4netns, pasta), and on a user network whose
# namespace is up (a member keeps it) against podman's; then the time to fetch a
# file through a published port (-p, busybox httpd in the container, curl on
# the host) against podman's -p and against the host's loopback (the
# ceiling). N rounds, the tools alternating in each round. Prints medians
# and ratios; exits 1 if a command failed. Not a test.
#
# Usage: BERTH=build/src/cli/berth bench/net.sh   (rootless is the setting
#        that matters; as root it works too)
#   N=20 WARMUP=2   rounds and untimed rounds first
#   SIZE_MB=64      the file fetched through the published port
#   BERTH, BERTH_FIXTURES, BERTH_SNAPSHOT, BENCH_TMP, PODMAN_STORAGE_DRIVER:
#                   as for run.sh (bench/lib.sh)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_mask_unified "$@"

n=${N:-20}
warmup=${WARMUP:-2}
size_mb=${SIZE_MB:-64}

bench_find_berth podman curl busybox
bench_make_stores bbn
host_httpd=
podman_net=
cleanup() {
  if [[ -n $host_httpd ]]; then kill "$host_httpd" 2>/dev/null || true; fi
  # Podman keeps network records outside its --root: remove ours.
  if [[ -n $podman_net ]]; then p network rm -f "$podman_net" >/dev/null 2>&1 || true; fi
  bench_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_snapshot_berth
bench_load_images

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 4<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# A user network each, kept up by a sleeping member (Podman's rootless-netns
# and berth's per-user namespace are then already there).
b network create --subnet 10.123.200.0/24 benchnet >/dev/null || die "berth network create failed"
podman_net=berthbench$$
p network create --subnet 10.123.201.0/24 "$podman_net" >/dev/null ||
  die "podman network create failed"
b run -d --name keep --network benchnet "$img" sleep 100000 >/dev/null ||
  die "berth run on a user network failed"
p run -d "${podman_create_opts[@]}" --name keep --network "$podman_net" "$img" sleep 100000 \
  >/dev/null || die "podman run on a user network failed"

note "run --rm $img true: $warmup warm-up + $n rounds ..."
for ((i = 0; i < warmup; i++)); do
  b run --rm "$img" true >/dev/null 2>&1 || true
  p run --rm "$img" true >/dev/null 2>&1 || true
done
for ((i = 0; i < n; i++)); do
  for tool in $(rotate "$i" berth podman berth-none podman-none berth-pasta berth-slirp \
    berth-user podman-user); do
    case $tool in
      berth) measure run.berth b run --rm "$img" true || true ;;
      podman) measure run.podman p run --rm "${podman_create_opts[@]}" "$img" true || true ;;
      berth-none) measure none.berth b run --rm --network none "$img" true || true ;;
      podman-none)
        measure none.podman p run --rm "${podman_create_opts[@]}" --network none "$img" true || true
        ;;
      berth-pasta) measure pasta.berth b run --rm --network pasta "$img" true || true ;;
      berth-slirp) measure slirp.berth b run --rm --network slirp4netns "$img" true || true ;;
      berth-user) measure user.berth b run --rm --network benchnet "$img" true || true ;;
      podman-user)
        measure user.podman p run --rm "${podman_create_opts[@]}" --network "$podman_net" "$img" true ||
          true
        ;;
    esac
  done
done

# Throughput: one file served by busybox httpd, fetched with curl.
www=$tmp/www
mkdir -p "$www"
head -c $((size_mb * 1024 * 1024)) /dev/urandom >"$www/blob"
chmod -R a+rX "$www"
bport=$(free_port)
b run -d --name web -v "$www:/www:ro" -p "127.0.0.1:$bport:80" "$img" httpd -f -p 80 -h /www \
  >/dev/null || die "berth run -p failed"
pport=$(free_port)
p run -d "${podman_create_opts[@]}" --name web -v "$www:/www:ro" -p "127.0.0.1:$pport:80" "$img" \
  httpd -f -p 80 -h /www >/dev/null || die "podman run -p failed"
hport=$(free_port)
busybox httpd -f -p "127.0.0.1:$hport" -h "$www" &
host_httpd=$!
sleep 1
fetch() { curl -sf -o /dev/null "http://127.0.0.1:$1/blob"; }
note "fetch $size_mb MiB through a published port: $n rounds ..."
for ((i = 0; i < warmup; i++)); do fetch "$bport" || true; fetch "$pport" || true; done
for ((i = 0; i < n; i++)); do
  for tool in $(rotate "$i" berth podman host); do
    case $tool in
      berth) measure fetch.berth fetch "$bport" || true ;;
      podman) measure fetch.podman fetch "$pport" || true ;;
      host) measure fetch.host fetch "$hport" || true ;;
    esac
  done
done

mode=root
if $rootless; then mode=rootless; fi
mbps() { if [[ -n $1 ]]; then awk -v v="$1" -v s="$size_mb" 'BEGIN { printf "%.0f", s / (v / 1e6) }'; fi; }
rb=$(median run.berth) rp=$(median run.podman) nb=$(median none.berth) np=$(median none.podman)
ob=$(awk -v a="$rb" -v b="$nb" 'BEGIN { print a - b }')
op=$(awk -v a="$rp" -v b="$np" 'BEGIN { print a - b }')
fb=$(median fetch.berth) fp=$(median fetch.podman) fh=$(median fetch.host)
echo
echo "berth network benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), $(id -un) ($mode)"
echo "berth ($berth_orig), podman $(podman --version | awk '{print $NF}')"
echo "times in ms: medians of $n rounds (failures: berth $(fails run.berth), podman $(fails run.podman))"
printf '%-34s %10s %10s %9s\n' "" berth podman b/podman
printf '%-34s %10s %10s %9s\n' "run --rm, default network" "$(ms "$rb")" "$(ms "$rp")" "$(ratio "$rb" "$rp")"
printf '%-34s %10s %10s %9s\n' "run --rm --network none" "$(ms "$nb")" "$(ms "$np")" "$(ratio "$nb" "$np")"
printf '%-34s %10s %10s %9s  %s\n' "networking overhead (default-none)" "$(ms "$ob")" "$(ms "$op")" \
  "$(ratio "$ob" "$op")" "goal <= 0.2"
ub=$(median user.berth) up=$(median user.podman)
printf '%-34s %10s %10s %9s\n' "run --rm, user network (netns up)" "$(ms "$ub")" "$(ms "$up")" \
  "$(ratio "$ub" "$up")"
printf '%-34s %10s\n' "run --rm --network pasta" "$(ms "$(median pasta.berth)")"
printf '%-34s %10s\n' "run --rm --network slirp4netns" "$(ms "$(median slirp.berth)")"
echo "fetch ${size_mb} MiB via -p 127.0.0.1:PORT:80 (MB/s; host = busybox httpd on loopback)"
printf '%-34s %10s %10s %9s  %s\n' "published port" "$(mbps "$fb")" "$(mbps "$fp")" \
  "$(ratio "$fp" "$fb")" "goal >= 1 (b/podman speed)"
printf '%-34s %10s %10s %9s  %s\n' "host loopback (ceiling)" "$(mbps "$fh")" "" \
  "$(ratio "$fh" "$fb")" "goal >= 0.5 (b/host speed)"
if ((failed)); then
  echo
  echo "FAILURES (the first of each, with its command):"
  cat "$tmp"/fail/*.first
  exit 1
fi
