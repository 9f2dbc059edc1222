#!/usr/bin/env bash
# Image store: `berth load` against `podman load` of one generated 3-layer
# docker-archive (~300 MB of seeded, incompressible data), each into a fresh
# store per run, the two interleaved; then `images` with one image under 200
# tags. Not a test: prints medians and the ratio berth/podman.
#
# Usage: bench/images.sh [path/to/berth]
#   RUNS=5          load runs per engine
#   LIST_RUNS=20    `images` runs per engine
#   MB=300 FILES=2000   archive size (MiB of file data) and files per layer
#   TAGS=200        tags for the `images` benchmark
#   BENCH_TMP=/var/tmp  where stores and the archive go (needs ~1.5 GB)
#   PODMAN_STORAGE_DRIVER  passed to podman --storage-driver (default: its own)
# Needs python3 (the generator: tests/fixtures/make-big-archive.py), podman,
# jq; hyperfine (Debian package) for the `images` part if installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
berth=${1:-berth}
runs=${RUNS:-5}
list_runs=${LIST_RUNS:-20}
mb=${MB:-300}
files=${FILES:-2000}
tags=${TAGS:-200}
command -v podman >/dev/null || { echo "podman is not installed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed for the generator" >&2; exit 1; }
berth=$(command -v "$berth")
tmp=$(mktemp -d "${BENCH_TMP:-/var/tmp}/berth-bench-images.XXXXXX")

b() { "$berth" --root "$tmp/b/root" --runroot "$tmp/b/rr" "$@"; }
podman_opts=(--root "$tmp/p/root" --runroot "$tmp/p/rr" --tmpdir "$tmp/p/tmp" --events-backend file)
if [[ -n ${PODMAN_STORAGE_DRIVER:-} ]]; then
  podman_opts+=(--storage-driver "$PODMAN_STORAGE_DRIVER")
fi
p() { podman "${podman_opts[@]}" "$@"; }

# Stores hold files of subordinate ids when rootless: remove them from inside
# each engine's user namespace.
wipe() {
  if [[ -d $tmp/b/root ]]; then
    if [[ $(id -u) -ne 0 ]]; then b unshare rm -rf "$tmp/b/root"; else rm -rf "$tmp/b/root"; fi
  fi
  if [[ -d $tmp/p/root ]]; then
    if [[ $(id -u) -ne 0 ]]; then p unshare rm -rf "$tmp/p/root"; else rm -rf "$tmp/p/root"; fi
  fi
}
stop_pauses() { # rootless podman and berth leave a pause process each
  local f pid
  for f in "$tmp/p/tmp/pause.pid" "$tmp/b/rr/pause.pid"; do
    [[ -r $f ]] || continue
    pid=$(awk 'NR == 1 {print $1}' "$f" | tr -dc 0-9)
    if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
  done
}
cleanup() { wipe || true; stop_pauses; rm -rf "$tmp"; }
trap cleanup EXIT

now_ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

archive=$tmp/big-docker-archive.tar
echo "generating $archive: 3 layers, $mb MiB, $files files per layer (seed 1)..."
python3 "$here/../tests/fixtures/make-big-archive.py" --mb "$mb" --files "$files" --seed 1 \
  --tag localhost/bench:latest "$archive" >/dev/null
printf 'archive: %s bytes\n' "$(stat -c %s "$archive")"
cat "$archive" >/dev/null # in the page cache for both engines

# 1. load: a fresh store per run, berth and podman alternating.
mkdir -p "$tmp/b" "$tmp/p"
b version >/dev/null # creates berth's user namespace (rootless) outside the timing
p info >/dev/null
: >"$tmp/load-berth" && : >"$tmp/load-podman"
for ((i = 1; i <= runs; i++)); do
  wipe
  sync
  t=$(now_ns); b load -q -i "$archive" >/dev/null; echo $(($(now_ns) - t)) >>"$tmp/load-berth"
  sync
  t=$(now_ns); p load -q -i "$archive" >/dev/null; echo $(($(now_ns) - t)) >>"$tmp/load-podman"
  printf '  run %d: berth %d ms, podman %d ms\n' "$i" \
    $(($(tail -n1 "$tmp/load-berth") / 1000000)) $(($(tail -n1 "$tmp/load-podman") / 1000000))
done
lb=$(median <"$tmp/load-berth" | awk '{printf "%.1f", $1 / 1e6}')
lp=$(median <"$tmp/load-podman" | awk '{printf "%.1f", $1 / 1e6}')
printf 'berth load:    %9.1f ms (median of %d)\n' "$lb" "$runs"
printf 'podman load:   %9.1f ms (median of %d, storage driver %s)\n' "$lp" "$runs" \
  "$(p info --format '{{.Store.GraphDriverName}}')"
printf 'ratio berth/podman: %s\n' "$(ratio "$lb" "$lp")"

# 2. images with one image under $tags tags.
for ((i = 1; i <= tags; i++)); do
  b tag localhost/bench:latest "localhost/bench:t$i"
  p tag localhost/bench:latest "localhost/bench:t$i"
done
nb=$(b images --format '{{.Repository}}:{{.Tag}}' | wc -l)
np=$(p images --format '{{.Repository}}:{{.Tag}}' | wc -l)
echo "images lists $nb lines (berth), $np (podman)"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs "$list_runs" --export-json "$tmp/h.json" \
    "$berth --root $tmp/b/root --runroot $tmp/b/rr images" \
    "podman ${podman_opts[*]} images" >/dev/null 2>&1
  ib=$(jq '.results[0].median * 1000' "$tmp/h.json")
  ip=$(jq '.results[1].median * 1000' "$tmp/h.json")
else
  : >"$tmp/img-berth" && : >"$tmp/img-podman"
  for ((i = 1; i <= list_runs; i++)); do
    t=$(now_ns); b images >/dev/null; echo $(($(now_ns) - t)) >>"$tmp/img-berth"
    t=$(now_ns); p images >/dev/null; echo $(($(now_ns) - t)) >>"$tmp/img-podman"
  done
  ib=$(median <"$tmp/img-berth" | awk '{printf "%.2f", $1 / 1e6}')
  ip=$(median <"$tmp/img-podman" | awk '{printf "%.2f", $1 / 1e6}')
fi
printf 'berth images:  %9.2f ms (median of %d, %d tags)\n' "$ib" "$list_runs" "$tags"
printf 'podman images: %9.2f ms\n' "$ip"
printf 'ratio berth/podman: %s\n' "$(ratio "$ib" "$ip")"
