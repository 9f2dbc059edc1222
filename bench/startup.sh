#!/usr/bin/env bash
# Start-up cost of the CLI: `berth version` against `podman version`, and
# the libraries berth loads. Not a test: prints medians and the ratio.
# Usage: bench/startup.sh [path/to/berth]   (hyperfine from Debian)
set -euo pipefail
berth=${1:-berth}
runs=${RUNS:-200}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median_ms() { # command... -> median wall time in ms
  hyperfine -N --warmup 20 --runs "$runs" --export-json "$tmp/h.json" "$*" >/dev/null 2>&1
  jq '.results[0].median * 1000' "$tmp/h.json"
}

b=$(median_ms "$berth" --root "$tmp/r" --runroot "$tmp/rr" version)
printf 'berth version:   %8.2f ms (median of %d)\n' "$b" "$runs"
if command -v podman >/dev/null; then
  p=$(median_ms podman --root "$tmp/pr" --runroot "$tmp/prr" version)
  printf 'podman version:  %8.2f ms\n' "$p"
  printf 'ratio berth/podman: %.3f\n' "$(echo "$b / $p" | bc -l)"
fi
bi=$(median_ms "$berth" --root "$tmp/r" --runroot "$tmp/rr" info)
printf 'berth info:      %8.2f ms\n' "$bi"
printf 'shared libraries loaded by berth: %d\n' "$(ldd "$(command -v "$berth")" | grep -c '=>')"
