# shellcheck shell=bash disable=SC2034 # variables used by the scripts sourcing this
# SPDX-License-Identifier: Apache-2.0
# Shared by the benchmark scripts (run.sh, exec.sh): source it after `set
# -euo pipefail`. It gives the fixture paths, the berth and podman stores in
# one temporary directory with b (berth) and p (podman) to run in them, the
# snapshot of berth, the cleanup, and the timing and report helpers.
# Environment: BERTH, BERTH_FIXTURES, BERTH_SNAPSHOT, BENCH_TMP,
# PODMAN_STORAGE_DRIVER (see run.sh's header).

bench_name=${0##*/}
die() { echo "$bench_name: $*" >&2; exit 2; }
note() { printf '%s\n' "$*" >&2; }

fixtures=${BERTH_FIXTURES:-/tmp/berth-dev-fixtures}
podman_driver=${PODMAN_STORAGE_DRIVER:-overlay}
archive=$fixtures/busybox-docker-archive.tar
rootfs_tar=$fixtures/busybox-rootfs.tar
img=localhost/busybox:latest
rootless=false
if [[ $(id -u) -ne 0 ]]; then rootless=true; fi

# Hybrid cgroups (v1 controllers plus a cgroup2 with controllers at
# /sys/fs/cgroup/unified): crun, and so Podman, refuses to run there.
hybrid_cgroups() {
  [[ $(stat -fc %T /sys/fs/cgroup 2>/dev/null) == tmpfs ]] &&
    [[ $(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]] &&
    [[ -n $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null) ]]
}
# As root on hybrid cgroups: re-executes the script in a private mount
# namespace where a tmpfs hides that cgroup2 mount (rootless scripts hide it
# in Podman's own namespace: `p unshare mount ...`, see run.sh).
bench_mask_unified() { # "$@" of the script
  if [[ $(id -u) -eq 0 && -z ${BENCH_RUN_MASKED:-} ]] && hybrid_cgroups; then
    # shellcheck disable=SC2016 # expanded by the inner bash
    exec env BENCH_RUN_MASKED=1 unshare -m --propagation private -- bash -c \
      'mount -t tmpfs -o mode=0755 bench-run /sys/fs/cgroup/unified && exec bash "$0" "$@"' \
      "$0" "$@"
  fi
}

# bench_find_berth TOOL...: sets berth (from $BERTH or PATH; the lead may
# be relinking it: it gets a minute to reappear) and checks the other tools.
bench_find_berth() {
  local i tool
  berth=${BERTH:-berth}
  for ((i = 0; i < 60; i++)); do
    command -v "$berth" >/dev/null && break
    sleep 1
  done
  berth=$(command -v "$berth") || die "berth not found: ${BERTH:-berth} (set BERTH)"
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
  done
  [[ -r $archive && -r $rootfs_tar ]] ||
    die "no $archive or $rootfs_tar (run tests/fixtures/make-images.sh $fixtures)"
}

# bench_make_stores PREFIX: the temporary directory and the store paths in it.
bench_make_stores() {
  tmp=$(mktemp -d "${BENCH_TMP:-/tmp}/$1.XXXXXX")
  chmod 0700 "$tmp"
  broot=$tmp/b brr=$tmp/br                 # berth store
  proot=$tmp/p prr=$tmp/pr ptmp=$tmp/pt    # podman store
  mkdir -p "$tmp/x" && chmod 0700 "$tmp/x" # podman's XDG_RUNTIME_DIR (rootless)
  if ((${#brr} + 83 > 107)); then
    note "warning: $brr is long: berth's attach socket path may not fit (set BENCH_TMP)"
  fi
  mkdir -p "$tmp/samples" "$tmp/fail"
  failed=0
  podman_opts=(--root "$proot" --runroot "$prr" --tmpdir "$ptmp" --storage-driver "$podman_driver"
    --events-backend file --cgroup-manager cgroupfs)
}

b() { "$berth" --root "$broot" --runroot "$brr" "$@"; }
# As root, podman asks crun for RLIMIT_NOFILE 1048576 and RLIMIT_NPROC 32768;
# where the hard limits are lower (this machine is itself a container) crun
# fails with EPERM, and 4.3's `--ulimit host` still asks for them. Low fixed
# limits cannot fail and do not matter to `true` or `sleep`.
podman_create_opts=()
if ! $rootless; then podman_create_opts=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024); fi
p() {
  local args=("$@")
  if [[ $1 == run || $1 == create ]]; then
    args=("$1" ${podman_create_opts[@]+"${podman_create_opts[@]}"} "${@:2}")
  fi
  if $rootless; then
    XDG_RUNTIME_DIR=$tmp/x podman "${podman_opts[@]}" "${args[@]}"
  else
    podman "${podman_opts[@]}" "${args[@]}"
  fi
}

pid_from() { # pid file ("<pid> [start time]") -> pid, or nothing
  [[ -r $1 ]] && awk 'NR == 1 {print $1}' "$1" | tr -dc 0-9
  return 0
}
stop_pid() { # pid: TERM, then KILL after 5 s
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    # A zombie waits for this machine's init to reap it: it is gone. (The
    # state follows the ") " that ends the name, which may hold spaces.)
    [[ -d /proc/$pid && $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) != Z ]] || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# Loads the test image into both stores; rootless on hybrid cgroups, hides
# /sys/fs/cgroup/unified in Podman's namespace (kept by its pause process).
bench_load_images() {
  note "stores in $tmp; loading $archive ..."
  b load -q -i "$archive" >/dev/null || die "berth load failed: berth --root $broot --runroot $brr load -i $archive"
  p load -q -i "$archive" >/dev/null || die "podman load failed"
  if $rootless && hybrid_cgroups; then
    p unshare mount -t tmpfs -o mode=0755 bench-run /sys/fs/cgroup/unified ||
      die "cannot hide /sys/fs/cgroup/unified in podman's mount namespace"
  fi
}

# Removes both stores (from inside each engine's user namespace when
# rootless), stops the pause processes and removes $tmp; a script's
# bench_cleanup_hook runs first.
bench_cleanup() {
  set +e
  trap - EXIT INT TERM
  if $rootless; then export XDG_RUNTIME_DIR=$tmp/x; fi
  note "cleaning up $tmp ..."
  if declare -F bench_cleanup_hook >/dev/null; then bench_cleanup_hook; fi
  if [[ -d $broot ]]; then
    timeout -k 5 300 "$berth" --root "$broot" --runroot "$brr" rm -af >/dev/null 2>&1 ||
      note "cleanup: berth rm -af failed"
    if $rootless; then b unshare rm -rf "$broot" >/dev/null 2>&1; fi
  fi
  local pause
  pause=$(pid_from "$brr/pause.pid")
  if [[ -n $pause && $(cat "/proc/$pause/comm" 2>/dev/null) == berth-pause* ]]; then
    stop_pid "$pause"
  fi
  if [[ -d $proot ]]; then
    timeout -k 5 300 podman "${podman_opts[@]}" rm -af -t 0 >/dev/null 2>&1
    if $rootless; then
      # podman unshare mounts the overlay home on itself again: unmount it first.
      # shellcheck disable=SC2016 # expanded by sh
      p unshare sh -c 'umount -R -l "$1/overlay" 2>/dev/null; rm -rf "$1"' sh "$proot" >/dev/null 2>&1
    else
      umount -R -l "$proot/overlay" 2>/dev/null
    fi
  fi
  pause=$(pid_from "$ptmp/pause.pid")
  if [[ -n $pause && $(cat "/proc/$pause/comm" 2>/dev/null) == *pause* ]]; then
    stop_pid "$pause"
  fi
  rm -rf "$tmp"
}

# Measure a snapshot: berth and its helpers copied into $tmp in the install
# layout (bin/, libexec/berth/), found where berth itself looks for them, so
# that a rebuild of the build dir during the run cannot mix two builds or
# catch a half-written binary. Sets berth_orig and berth.
bench_snapshot_berth() {
  local self_dir helper name candidate
  berth_orig=$berth
  if [[ ${BERTH_SNAPSHOT:-1} == 1 ]]; then
    self_dir=$(dirname "$(readlink -f "$berth")")
    mkdir -p "$tmp/bin" "$tmp/libexec/berth"
    cp "$berth" "$tmp/bin/berth"
    for helper in pause/berth-pause monitor/berth-monitor init/berth-init image/archive/berth-archive.so \
      registry/curl/berth-registry.so; do
      name=${helper##*/}
      for candidate in "$self_dir/../libexec/berth/$name" "$self_dir/../$helper"; do
        if [[ -x $candidate ]]; then
          cp "$candidate" "$tmp/libexec/berth/$name"
          break
        fi
      done
    done
    berth=$tmp/bin/berth
  fi
}

usec() { local t=${1//[^0-9]/}; echo $((10#$t)); } # $EPOCHREALTIME -> µs
dt=0
timed() { # CMD...: run it (stdout in $tmp/out, stderr in $tmp/err), set dt (µs)
  local s e rc=0
  s=$EPOCHREALTIME
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  e=$EPOCHREALTIME
  dt=$(($(usec "$e") - $(usec "$s")))
  return "$rc"
}
sample() { echo "$2" >>"$tmp/samples/$1"; } # metric, µs
# The real command line behind b/p (for failure reports).
expand() {
  case $1 in
    b) printf ' %q' "$berth" --root "$broot" --runroot "$brr" ;;
    p)
      if $rootless; then printf ' XDG_RUNTIME_DIR=%q' "$tmp/x"; fi
      printf ' %q' podman "${podman_opts[@]}"
      if [[ $2 == run || $2 == create ]]; then
        printf ' %q' "$2" ${podman_create_opts[@]+"${podman_create_opts[@]}"}
        shift
      fi
      ;;
    *) printf ' %q' "$1" ;;
  esac
  shift
  if (($#)); then printf ' %q' "$@"; fi
}
# failure METRIC RC CMD...: remembers the first failure of a metric (command,
# status, stderr) and counts the others; the table shows the count.
failure() {
  local metric=$1 rc=$2
  shift 2
  failed=1
  echo x >>"$tmp/fail/$metric.count"
  if [[ ! -e $tmp/fail/$metric.first ]]; then
    {
      printf '%s: exit status %s\n  $' "$metric" "$rc"
      expand "$@"
      printf '\n'
      sed 's/^/  | /' "$tmp/err" | head -n 20
    } >"$tmp/fail/$metric.first"
    note "FAILED: $(head -n 2 "$tmp/fail/$metric.first" | tail -n 1)"
    note "$(tail -n +3 "$tmp/fail/$metric.first")"
  fi
}
# measure METRIC CMD...: timed, and either a sample or a failure.
measure() {
  local metric=$1 rc=0
  shift
  timed "$@" || rc=$?
  if ((rc == 0)); then sample "$metric" "$dt"; else failure "$metric" "$rc" "$@"; fi
  return "$rc"
}
median() { # metric -> median in µs, or nothing
  [[ -s $tmp/samples/$1 ]] || return 0
  sort -n "$tmp/samples/$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
total() { # metric -> sum in µs
  [[ -s $tmp/samples/$1 ]] || return 0
  awk '{ s += $1 } END { print s }' "$tmp/samples/$1"
}
fails() { if [[ -e $tmp/fail/$1.count ]]; then wc -l <"$tmp/fail/$1.count"; else echo 0; fi; }
rotate() { # i tool... -> the tools, starting at the (i mod count)th
  local i=$1
  shift
  local k=$((i % $#)) j
  for ((j = 0; j < $#; j++)); do
    local a=$(((k + j) % $# + 1))
    echo "${!a}"
  done
}


ms() { if [[ -n $1 ]]; then awk -v v="$1" 'BEGIN { printf "%.2f", v / 1000 }'; fi; }
ratio() { if [[ -n $1 && -n $2 ]]; then awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b }'; fi; }
