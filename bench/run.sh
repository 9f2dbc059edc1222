#!/usr/bin/env bash
# Container lifecycle: berth against Podman and `crun run`, on the busybox
# test image, with --network none. Not a test: prints medians, ratios and the
# goals of DESIGN.md's "Performance budget", and exits 1 if a command failed.
#
#  1. run --rm IMG true            berth, podman, crun run (same rootfs)
#  2. create / start -a / rm       berth, podman, each step timed separately
#  3. ps -a                        with PS_SMALL and with PS_BIG containers
#  4. run -d sleep + stop -t 0 + rm of BATCH containers, totals per tool
#  5. VmRSS of an idle berth-monitor and conmon (one `run -d sleep` each)
#
# The tools alternate within each round (the order rotates), so drift of the
# machine hits all of them alike. Times are wall clock around one command,
# taken by bash itself ($EPOCHREALTIME; no fork for the clock).
#
# Usage: BERTH=build/src/cli/berth bench/run.sh    (rootless or as root)
#   BERTH=berth          the berth binary (default: berth on PATH)
#   N=20                 rounds for 1-3 (medians of N)
#   WARMUP=2             untimed rounds before 1 and 2
#   PS_SMALL=50 PS_BIG=1000   container counts for ps -a
#   PODMAN_PS_BIG=$PS_BIG     Podman's count for the big ps -a (creating 1,000
#                        Podman containers takes about 2 minutes)
#   BATCH=100            containers for 4
#   IDLE_WAIT=2          seconds the monitors idle before 5 reads VmRSS
#   BERTH_FIXTURES=/tmp/berth-dev-fixtures   busybox-docker-archive.tar and
#                        busybox-rootfs.tar (tests/fixtures/make-images.sh)
#   PODMAN_STORAGE_DRIVER=overlay   podman --storage-driver
#   BERTH_SNAPSHOT=1     measure a copy of berth and its helpers (0: in place)
#   BENCH_TMP=/tmp       where the stores go; keep it short (berth's attach
#                        socket path must stay under 108 bytes)
# Needs podman, crun, jq; nsenter and unshare (util-linux) on hosts with
# hybrid cgroups (see below). Shared helpers: bench/lib.sh.
#
# Hybrid cgroups (v1 controllers plus a cgroup2 at /sys/fs/cgroup/unified
# with controllers enabled): crun refuses to start any container there
# ("cgroups in hybrid mode not supported"), and Podman runs crun. The script
# then hides that cgroup2 mount behind a tmpfs, so that crun sees plain
# cgroup v1 (as root it writes its cgroup.procs into the tmpfs). Rootless,
# it does so inside Podman's own user and mount namespace (`podman unshare
# mount ...`, kept by its pause process) and, for plain crun, in a holder
# namespace (`unshare -Urm`) that each timed crun run joins with nsenter (the
# clock runs inside the namespace, so nsenter is not counted; crun's
# container gets a user namespace nested in the holder's). As root, the whole
# script re-executes itself in a private mount namespace. berth needs none
# of this.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_mask_unified "$@"

n=${N:-20}
warmup=${WARMUP:-2}
ps_small=${PS_SMALL:-50}
ps_big=${PS_BIG:-1000}
podman_ps_big=${PODMAN_PS_BIG:-$ps_big}
batch=${BATCH:-100}
idle_wait=${IDLE_WAIT:-2}

bench_find_berth podman crun jq
bench_make_stores bbr
crun_state=$tmp/cs bundle=$tmp/cb        # crun

holder=
bench_cleanup_hook() { stop_pid "$holder"; }
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

bench_snapshot_berth

# --- setup -------------------------------------------------------------------

bench_load_images

mkdir -p "$bundle/rootfs" "$crun_state"
tar -xf "$rootfs_tar" -C "$bundle/rootfs" 2>/dev/null || tar -xf "$rootfs_tar" -C "$bundle/rootfs" --no-same-owner
if $rootless; then
  (cd "$bundle" && crun spec --rootless)
else
  (cd "$bundle" && crun spec)
fi
jq '.process.args = ["true"] | .process.terminal = false' "$bundle/config.json" >"$bundle/c.json"
mv "$bundle/c.json" "$bundle/config.json"
if $rootless && hybrid_cgroups; then
  unshare -Urm --propagation private -- sh -c \
    'mount -t tmpfs -o mode=0755 bench-run /sys/fs/cgroup/unified && exec sleep 100000' &
  holder=$!
  for ((i = 0; i < 100; i++)); do
    [[ $(cat "/proc/$holder/comm" 2>/dev/null) == sleep ]] && break
    sleep 0.05
  done
  [[ $(cat "/proc/$holder/comm" 2>/dev/null) == sleep ]] || die "the crun holder namespace did not start"
fi
# crun_run ID: one foreground `crun run` (deletes itself on exit); sets dt.
crun_run() {
  local id=$1 rc=0 out s='' e=''
  if [[ -n $holder ]]; then
    # shellcheck disable=SC2016 # expanded by the inner bash
    out=$(nsenter --preserve-credentials -U -m -t "$holder" -- bash -c \
      's=$EPOCHREALTIME; crun --root "$1" run --bundle "$2" "$3" >/dev/null 2>"$4"; rc=$?
       e=$EPOCHREALTIME; echo "$s $e"; exit "$rc"' \
      bash "$crun_state" "$bundle" "$id" "$tmp/err") || rc=$?
    read -r s e <<<"$out" || true
    if [[ -n $e ]]; then dt=$(($(usec "$e") - $(usec "$s"))); else dt=0; fi
  else
    timed crun --root "$crun_state" run --bundle "$bundle" "$id" || rc=$?
  fi
  return "$rc"
}
measure_crun() { # metric id
  local rc=0
  crun_run "$2" || rc=$?
  if ((rc == 0)); then sample "$1" "$dt"; else failure "$1" "$rc" crun --root "$crun_state" run --bundle "$bundle" "$2"; fi
}

berth_ver=$("$berth" version 2>/dev/null | awk '/^Version:/ {print $2}')
podman_ver=$(podman --version | awk '{print $NF}') # not `podman version`: that starts a pause process
crun_ver=$(crun --version | awk 'NR == 1 {print $3}')
start_time=$(date +%s)
berth_mtime=$(stat -c %Y "$berth_orig")

# --- 1. run --rm -------------------------------------------------------------

note "1/5 run --rm --network none $img true: $warmup warm-up + $n rounds ..."
for ((i = 0; i < warmup; i++)); do
  b run --rm --network none "$img" true >/dev/null 2>&1 || true
  p run --rm --network none "$img" true >/dev/null 2>&1 || true
  crun_run "warm$i" || true
done
for ((i = 0; i < n; i++)); do
  for tool in $(rotate "$i" berth podman crun); do
    case $tool in
      berth) measure run.berth b run --rm --network none "$img" true || true ;;
      podman) measure run.podman p run --rm --network none "$img" true || true ;;
      crun) measure_crun run.crun "bench$i" ;;
    esac
  done
done

# --- 2. create, start -a, rm -------------------------------------------------

note "2/5 create / start -a / rm: $warmup warm-up + $n rounds ..."
lifecycle() { # tool-function tool-name [timed]
  local f=$1 name=$2 id
  if [[ -z ${3:-} ]]; then
    id=$($f create --network none "$img" true 2>/dev/null) || return 0
    $f start -a "$id" >/dev/null 2>&1 || true
    $f rm "$id" >/dev/null 2>&1 || true
    return 0
  fi
  measure "create.$name" "$f" create --network none "$img" true || return 0
  id=$(<"$tmp/out")
  measure "start.$name" "$f" start -a "$id" || true
  measure "rm.$name" "$f" rm "$id" || true
}
for ((i = 0; i < warmup; i++)); do
  lifecycle b berth
  lifecycle p podman
done
for ((i = 0; i < n; i++)); do
  for tool in $(rotate "$i" berth podman); do
    case $tool in
      berth) lifecycle b berth timed ;;
      podman) lifecycle p podman timed ;;
    esac
  done
done

# --- 3. ps -a ----------------------------------------------------------------

created_berth=0 created_podman=0
fill() { # target-berth target-podman: create stopped containers up to these counts
  local s e rc=0
  s=$EPOCHREALTIME
  while ((created_berth < $1)); do
    if b create --network none "$img" true >/dev/null 2>"$tmp/err"; then
      created_berth=$((created_berth + 1))
    else
      rc=$?
      failure "create-for-ps.berth" "$rc" "$berth" --root "$broot" --runroot "$brr" create --network none "$img" true
      break
    fi
  done
  e=$EPOCHREALTIME
  fill_berth_s=$(awk -v d=$(($(usec "$e") - $(usec "$s"))) 'BEGIN { printf "%.1f", d / 1e6 }')
  s=$EPOCHREALTIME
  while ((created_podman < $2)); do
    if p create --network none "$img" true >/dev/null 2>"$tmp/err"; then
      created_podman=$((created_podman + 1))
    else
      rc=$?
      failure "create-for-ps.podman" "$rc" podman "${podman_opts[@]}" create --network none "$img" true
      break
    fi
  done
  e=$EPOCHREALTIME
  fill_podman_s=$(awk -v d=$(($(usec "$e") - $(usec "$s"))) 'BEGIN { printf "%.1f", d / 1e6 }')
}
ps_check() { # metric tool-function created: ps -a listed them all?
  local lines=$(($(wc -l <"$tmp/out") - 1))
  if ((lines != $3)); then
    echo "ps -a listed $lines containers, $3 exist" >"$tmp/err"
    failure "$1" count "$2" ps -a
  fi
}
ps_rounds() { # suffix
  local tool
  for ((i = 0; i < n; i++)); do
    for tool in $(rotate "$i" berth podman); do
      case $tool in
        berth) if measure "ps$1.berth" b ps -a; then ps_check "ps$1.berth" b "$created_berth"; fi ;;
        podman) if measure "ps$1.podman" p ps -a; then ps_check "ps$1.podman" p "$created_podman"; fi ;;
      esac
    done
  done
}
note "3/5 ps -a: creating $ps_small containers each ..."
fill "$ps_small" "$ps_small"
note "    created in ${fill_berth_s} s (berth), ${fill_podman_s} s (podman); $n rounds of ps -a ..."
ps_rounds small
ps_small_berth=$created_berth ps_small_podman=$created_podman
note "3/5 ps -a: creating up to $ps_big (berth) and $podman_ps_big (podman) containers ..."
fill "$ps_big" "$podman_ps_big"
fill_big_berth_s=$fill_berth_s fill_big_podman_s=$fill_podman_s
note "    created in ${fill_berth_s} s (berth), ${fill_podman_s} s (podman); $n rounds of ps -a ..."
ps_rounds big
ps_big_berth=$created_berth ps_big_podman=$created_podman
note "    rm -af of all of them ..."
timed b rm -af || failure rm-all.berth $? "$berth" --root "$broot" --runroot "$brr" rm -af
rmall_berth=$dt
timed p rm -af || failure rm-all.podman $? podman "${podman_opts[@]}" rm -af
rmall_podman=$dt

# --- 4. run -d + stop + rm of BATCH containers ---------------------------------

note "4/5 run -d sleep 1000 + stop -t 0 + rm of $batch containers each ..."
cycle() { # tool-function tool-name
  local f=$1 name=$2 id
  measure "rund.$name" "$f" run -d --network none "$img" sleep 1000 || return 0
  id=$(<"$tmp/out")
  measure "stop.$name" "$f" stop -t 0 "$id" || true
  measure "rmstopped.$name" "$f" rm "$id" || true
}
for ((i = 0; i < batch; i++)); do
  for tool in $(rotate "$i" berth podman); do
    case $tool in
      berth) cycle b berth ;;
      podman) cycle p podman ;;
    esac
  done
done
b rm -af >/dev/null 2>&1 || true
p rm -af -t 0 >/dev/null 2>&1 || true

# --- 5. idle monitor RSS -------------------------------------------------------

note "5/5 idle monitor RSS ..."
monitor_rss() { # tool-function tool-name expected-comm -> sets rss (kB) and mon
  local f=$1 name=$2 comm=$3 id pid
  rss='' mon=''
  measure "rss-run.$name" "$f" run -d --network none "$img" sleep 1000 || return 0
  id=$(<"$tmp/out")
  sleep "$idle_wait"
  pid=$($f inspect --format '{{.State.ConmonPid}}' "$id" 2>/dev/null) || pid=
  if [[ -z $pid || $pid == 0 ]]; then pid=$(pgrep -f -- "$id" | head -n 1) || pid=; fi
  if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm"* ]]; then
    mon="$pid ($(readlink "/proc/$pid/exe" 2>/dev/null || echo "exe unreadable"))"
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  else
    echo "no $comm process found for container $id (inspect ConmonPid: ${pid:-none})" >"$tmp/err"
    failure "rss.$name" none "$f" inspect --format '{{.State.ConmonPid}}' "$id"
  fi
  $f rm -f "$id" >/dev/null 2>&1 || true
}
monitor_rss b berth berth-monitor
rss_berth=$rss mon_berth=$mon
monitor_rss p podman conmon
rss_podman=$rss mon_podman=$mon

# --- report ------------------------------------------------------------------

sum0() { local v; v=$(total "$1"); echo "${v:-0}"; }
# row LABEL UNIT BERTH PODMAN CRUN GOAL VERDICT (values already formatted)
row() { printf '%-30s %10s %10s %9s %8s %8s  %-20s %s\n' "$@" | sed 's/ *$//'; }
verdict() { # value op limit (op: le or lt) -> met/MISSED/-
  if [[ -z $1 ]]; then
    echo "-"
  elif awk -v v="$1" -v o="$2" -v l="$3" 'BEGIN { exit !(o == "lt" ? v < l : v <= l) }'; then
    echo met
  else
    echo MISSED
  fi
}
cell() { # metric [total] -> ms, with a failure count if any
  local v f
  if [[ ${2:-} == total ]]; then v=$(total "$1"); else v=$(median "$1"); fi
  f=$(fails "$1")
  if ((f > 0)); then
    if [[ -n $v ]]; then echo "$(ms "$v")!$f"; else echo "FAIL"; fi
  else
    ms "$v"
  fi
}
step_row() { # label metric-prefix [total]
  local mb mp
  if [[ ${3:-} == total ]]; then mb=$(total "$2.berth") mp=$(total "$2.podman"); else mb=$(median "$2.berth") mp=$(median "$2.podman"); fi
  local r
  r=$(ratio "$mb" "$mp")
  row "$1" "$(cell "$2.berth" "${3:-}")" "$(cell "$2.podman" "${3:-}")" "" "${r:--}" "" "berth/podman <= 0.1" "$(verdict "$r" le 0.1)"
}

elapsed=$(($(date +%s) - start_time))
echo
mode=root
if $rootless; then mode=rootless; fi
echo "berth lifecycle benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), $(id -un) ($mode)"
snapshot=
if [[ $berth != "$berth_orig" ]]; then snapshot=", a copy"; fi
echo "berth $berth_ver ($berth_orig$snapshot), podman $podman_ver (storage $(p info --format '{{.Store.GraphDriverName}}' 2>/dev/null || echo ?)), crun $crun_ver"
if hybrid_cgroups || [[ -n ${BENCH_RUN_MASKED:-} ]]; then
  echo "hybrid cgroups: crun and podman ran with /sys/fs/cgroup/unified hidden (see the script's header)"
fi
echo "times in ms: medians of $n rounds (section 4: totals of $batch containers); tools alternate in each round"
echo
row "" "berth" "podman" "crun" "b/podman" "b/crun" "goal" ""
rb=$(median run.berth) rp=$(median run.podman) rc=$(median run.crun)
r1=$(ratio "$rb" "$rp") r2=$(ratio "$rb" "$rc")
row "run --rm IMG true" "$(cell run.berth)" "$(cell run.podman)" "$(cell run.crun)" "${r1:--}" "${r2:--}" \
  "berth/podman <= 0.1" "$(verdict "$r1" le 0.1)"
row "" "" "" "" "" "" "berth/crun <= 1.5" "$(verdict "$r2" le 1.5)"
step_row "create" create
step_row "start -a" start
step_row "rm (exited)" rm
pb=$(median pssmall.berth) pp=$(median pssmall.podman)
r=$(ratio "$pb" "$pp")
row "ps -a, $ps_small_berth / $ps_small_podman containers" "$(cell pssmall.berth)" "$(cell pssmall.podman)" "" "${r:--}" "" "" ""
pb=$(median psbig.berth) pp=$(median psbig.podman)
r=$(ratio "$pb" "$pp")
row "ps -a, $ps_big_berth / $ps_big_podman containers" "$(cell psbig.berth)" "$(cell psbig.podman)" "" "${r:--}" "" \
  "berth < 50 ms" "$(verdict "$(ms "$pb")" lt 50)"
step_row "$batch x run -d sleep" rund total
step_row "$batch x stop -t 0" stop total
step_row "$batch x rm (stopped)" rmstopped total
lb=$(($(sum0 rund.berth) + $(sum0 stop.berth) + $(sum0 rmstopped.berth)))
lp=$(($(sum0 rund.podman) + $(sum0 stop.podman) + $(sum0 rmstopped.podman)))
r=$(ratio "$lb" "$lp")
row "$batch x (run -d+stop+rm)" "$(ms "$lb")" "$(ms "$lp")" "" "${r:--}" "" "berth/podman <= 0.1" "$(verdict "$r" le 0.1)"
r=$(ratio "$rss_berth" "$rss_podman")
row "idle monitor VmRSS (kB)" "${rss_berth:-FAIL}" "${rss_podman:-FAIL}" "" "${r:--}" "" "berth < conmon" "$(verdict "$r" lt 1)"
echo
printf 'setup, not timed above: creating the ps -a containers took %s s (berth, %d) and %s s (podman, %d);\n' \
  "$fill_big_berth_s" "$((ps_big_berth - ps_small_berth))" "$fill_big_podman_s" "$((ps_big_podman - ps_small_podman))"
printf 'rm -af of them took %s ms (berth) and %s ms (podman)\n' "$(ms "$rmall_berth")" "$(ms "$rmall_podman")"
printf 'per-container medians of section 4 (ms): run -d %s / %s, stop -t 0 %s / %s, rm %s / %s (berth / podman)\n' \
  "$(ms "$(median rund.berth)")" "$(ms "$(median rund.podman)")" "$(ms "$(median stop.berth)")" \
  "$(ms "$(median stop.podman)")" "$(ms "$(median rmstopped.berth)")" "$(ms "$(median rmstopped.podman)")"
printf 'monitor pids: berth-monitor %s, conmon %s\n' "${mon_berth:--}" "${mon_podman:--}"
printf 'script time: %d s (load average now %s)\n' "$elapsed" "$(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $(stat -c %Y "$berth_orig" 2>/dev/null) != "$berth_mtime" ]]; then
  if [[ -n $snapshot ]]; then
    echo "note: $berth_orig was rebuilt during the run (the copy taken at the start was measured)"
  else
    echo "WARNING: $berth_orig changed during the run: the numbers mix two builds"
  fi
fi
if ((failed)); then
  echo
  echo "FAILURES (x!k in the table: k runs failed; the first failure of each, with its command):"
  cat "$tmp"/fail/*.first
  exit 1
fi
