#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The image store survives SIGKILL: a killed `berth load` or `berth rmi`
# leaves a store that berth and skopeo read (an image is either fully there or
# not listed), and the next write or `berth image prune` removes what the
# killed writer left.
#
# The load is of a generated 3-layer docker-archive big enough to last a few
# hundred milliseconds (tests/fixtures/make-big-archive.py). The kills are
# spread from 0 to 1.3 times one load's duration, so they land while entries
# are unpacked, while layers are extracted, while they are committed, and
# after the load finished.
#
# Environment: BERTH_CRASH_SEED fixes the kill moments (the seed used is
# logged), BERTH_CRASH_RUNS the number of killed loads (default 20),
# BERTH_CRASH_RMI_RUNS that of killed rmis (default 10).

load helpers

BIG_TAG=localhost/big:latest

function setup_file() {
    basic_setup_file
    local gen=$BATS_TEST_DIRNAME/../fixtures/make-big-archive.py
    [[ -r "$gen" ]] || return 0 # the test skips with the reason
    command -v python3 >/dev/null || return 0
    BIG_ARCHIVE=$BATS_FILE_TMPDIR/big-docker-archive.tar
    BIG_IMAGE_ID=$(python3 "$gen" --mb 16 --files 300 --seed 25 --tag "$BIG_TAG" "$BIG_ARCHIVE")
    export BIG_ARCHIVE BIG_IMAGE_ID
}

function setup() {
    [[ -n "${BERTH_FIXTURES:-}" && -r "$BERTH_FIXTURES/digests.env" ]] ||
        skip "BERTH_FIXTURES not set or not built (run tests/fixtures/make-images.sh)"
    [[ -n "${BIG_ARCHIVE:-}" && -r "$BIG_ARCHIVE" ]] ||
        skip "no generated archive (needs python3 and tests/fixtures/make-big-archive.py)"
    # shellcheck disable=SC1091
    source "$BERTH_FIXTURES/digests.env"
    FIX=$BERTH_FIXTURES
}

function berth_cmd() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@"
}

function fresh_store() {
    if is_rootless; then
        # Layer files belong to subordinate ids: remove them from inside.
        berth_cmd unshare rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    else
        rm -rf "$BERTH_TEST_ROOT/images" "$BERTH_TEST_ROOT/layers"
    fi
}

# The store is readable and every image it lists is complete: index.json
# parses; each manifest, its config and its layer blobs are present with the
# digests they are named by; each layer's chain directory is there with a
# layer.json naming its diff id. One python3 run (hundreds of jq and
# sha256sum runs would dominate the test). Prints "PROBLEM: ..." lines,
# "UNREFERENCED: ..." lines for blobs and layers no listed image uses, then
# the listed names.
function store_problems_and_names() {
    python3 - "$BERTH_TEST_ROOT" <<'EOF'
import hashlib, json, os, sys

root = sys.argv[1]
images = os.path.join(root, "images")
problems = []
unreferenced = []
used_blobs = set()
used_layers = set()


def blob(digest, what):
    used_blobs.add(digest)
    if not digest.startswith("sha256:"):
        problems.append(f"{what}: digest {digest!r} is not sha256")
        return None
    path = os.path.join(images, "blobs", "sha256", digest[7:])
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        problems.append(f"{what}: blob {digest} is missing ({e.strerror})")
        return None
    if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
        problems.append(f"{what}: blob {digest} has other content")
    return data


index_path = os.path.join(images, "index.json")
names = []
if not os.path.exists(index_path):
    # Killed before the store existed: nothing may be listed anywhere.
    blobs = os.path.join(images, "blobs", "sha256")
    if os.path.isdir(blobs) and os.listdir(blobs):
        problems.append("blobs but no index.json")
else:
    try:
        with open(index_path) as f:
            index = json.load(f)
        assert index["schemaVersion"] == 2 and isinstance(index["manifests"], list)
        with open(os.path.join(images, "oci-layout")) as f:
            assert json.load(f)["imageLayoutVersion"] == "1.0.0"
    except Exception as e:
        print(f"PROBLEM: index.json or oci-layout unreadable: {e!r}")
        sys.exit(0)
    for digest in sorted({m["digest"] for m in index["manifests"]}):
        data = blob(digest, "manifest")
        if data is None:
            continue
        manifest = json.loads(data)
        config_data = blob(manifest["config"]["digest"], f"config of {digest}")
        for layer in manifest["layers"]:
            blob(layer["digest"], f"layer of {digest}")
        if config_data is None:
            continue
        diff_ids = json.loads(config_data)["rootfs"]["diff_ids"]
        if len(diff_ids) != len(manifest["layers"]):
            problems.append(f"{digest}: {len(diff_ids)} diff ids, {len(manifest['layers'])} layers")
        chain = None
        for n, diff in enumerate(diff_ids, 1):
            if chain is None:
                chain = diff
            else:
                chain = "sha256:" + hashlib.sha256(f"{chain} {diff}".encode()).hexdigest()
            used_layers.add(chain)
            layer_dir = os.path.join(root, "layers", chain[7:])
            if not os.path.isdir(os.path.join(layer_dir, "diff")):
                problems.append(f"image {digest} is listed but its layer {n} ({chain}) is not stored")
                continue
            try:
                with open(os.path.join(layer_dir, "layer.json")) as f:
                    info = json.load(f)
                if info.get("diff_id") != diff:
                    problems.append(f"layer {chain}: layer.json says {info.get('diff_id')}, not {diff}")
            except Exception as e:
                problems.append(f"layer {chain}: layer.json unreadable: {e!r}")
    for m in index["manifests"]:
        name = m.get("annotations", {}).get("org.opencontainers.image.ref.name")
        if name:
            names.append(name)
    # Not problems, but what garbage collection must remove.
    blob_dir = os.path.join(images, "blobs", "sha256")
    for name in sorted(os.listdir(blob_dir)):
        if "sha256:" + name not in used_blobs:
            unreferenced.append("blob sha256:" + name)
    for name in sorted(os.listdir(os.path.join(root, "layers"))):
        if not name.startswith(".") and "sha256:" + name not in used_layers:
            unreferenced.append("layer " + name)
for p in problems:
    print("PROBLEM: " + p)
for u in unreferenced:
    print("UNREFERENCED: " + u)
for n in names:
    print(n)
EOF
}

# Fails on any problem store_problems_and_names finds; with --skopeo, skopeo
# must read every named entry too. Sets STORE_NAMES to the listed names and
# STORE_UNREFERENCED to the unreferenced blobs and layers.
function check_store() {
    local skopeo=
    if [[ "$1" == --skopeo ]]; then
        skopeo=1
        shift
    fi
    local label=$1 result
    result=$(store_problems_and_names) || die "$label: the store checker failed: $result"
    if grep -q '^PROBLEM: ' <<<"$result"; then
        die "$label: $(grep '^PROBLEM: ' <<<"$result")"
    fi
    STORE_UNREFERENCED=$(sed -n 's/^UNREFERENCED: //p' <<<"$result")
    STORE_NAMES=$(grep -v '^UNREFERENCED: ' <<<"$result" || true)
    [[ -n "$skopeo" ]] || return 0
    local name
    while read -r name; do
        [[ -n "$name" ]] || continue
        run skopeo inspect --raw "oci:$BERTH_TEST_ROOT/images:$name"
        assert "$status" == 0 "$label: skopeo reads $name: $output"
    done <<<"$STORE_NAMES"
}

# Temporary files a writer leaves while working: under images/tmp, layers/.tmp-*
# (and .removing-*), and atomic-write temps next to index.json.
function temp_leftovers() {
    local root=$BERTH_TEST_ROOT
    if [[ -d "$root/images/tmp" ]]; then
        find "$root/images/tmp" -mindepth 1 -maxdepth 1
    fi
    if [[ -d "$root/layers" ]]; then
        find "$root/layers" -mindepth 1 -maxdepth 1 \( -name '.tmp-*' -o -name '.removing-*' \)
    fi
    if [[ -d "$root/images" ]]; then
        find "$root/images" -mindepth 1 -maxdepth 1 -name '*.tmp-*'
    fi
}

# Processes naming our store, other than berth-pause (pgrep: the helpers'
# _pids_naming forks per process, too slow to run 20 times on a busy machine).
function berth_processes() {
    local pause
    pause=$(_pause_pid "$BERTH_TEST_RUNROOT")
    pgrep -f -- "$BERTH_TEST_ROOT|$BERTH_TEST_RUNROOT" | grep -vx -e "$$" -e "${pause:-none}" || true
}

# kill_after DELAY_US LOG ARGS...: runs berth ARGS in the background, SIGKILLs
# it after DELAY_US microseconds (if still running) and sets KILL_RC to its
# exit status (137 when the kill hit it). Not through berth_cmd: $! must be
# berth itself, not a subshell.
function kill_after() {
    local delay_us=$1 log=$2 pid
    shift 2
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" "$@" >"$log" 2>&1 3>&- &
    pid=$!
    sleep "$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
    kill -KILL "$pid" 2>/dev/null || true
    KILL_RC=0
    wait "$pid" || KILL_RC=$?
}

# Milliseconds one run of berth ARGS takes (it must succeed).
function time_berth() {
    local t0 t1
    t0=$(date +%s%N)
    berth_cmd "$@" >/dev/null || die "berth $* failed"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

# berth itself reads the store after a kill: `images` lists exactly the names
# of index.json, and `image exists` finds them.
function check_berth_reads() {
    local label=$1 name
    run_berth images --format '{{.Repository}}:{{.Tag}}'
    is "$(grep -v '<none>' <<<"$output" | sort)" "$(sort <<<"$STORE_NAMES" | grep -v '^$')" \
        "$label: berth images lists the names of index.json"
    while read -r name; do
        [[ -n "$name" ]] && run_berth image exists "$name"
    done <<<"$STORE_NAMES"
}

@test "SIGKILL of berth load at random moments leaves a readable store; the next write cleans up" {
    local runs=${BERTH_CRASH_RUNS:-20}
    local seed=${BERTH_CRASH_SEED:-$(((RANDOM << 15) | RANDOM))}
    echo "# kill moments from seed $seed (BERTH_CRASH_SEED=$seed to repeat)"
    RANDOM=$seed

    # How long one load takes here, as in the loop (busybox there first):
    # the longer of two, after one that creates the user namespace and warms
    # the page cache.
    fresh_store
    run_berth load -i "$BIG_ARCHIVE"
    local duration_ms=0 t
    for t in 1 2; do
        fresh_store
        run_berth load -i "$FIX/busybox-docker-archive.tar"
        t=$(time_berth load -i "$BIG_ARCHIVE")
        ((t > duration_ms)) && duration_ms=$t
    done
    echo "# one load: ${duration_ms} ms"
    assert "$duration_ms" -ge 50 "the load must last long enough to be killed part way"

    local i delay_us names leftovers
    local killed=0 completed=0 with_layer_temps=0 with_partial_layers=0
    for ((i = 0; i < runs; i++)); do
        fresh_store
        # Another image, there before the kill, must survive it intact.
        berth_cmd load -i "$FIX/busybox-docker-archive.tar" >/dev/null ||
            die "loading busybox before kill $i failed"

        # Stratified: kill i lands in the i-th slice of [0, 1.3 x duration].
        delay_us=$(((i * 1000 + RANDOM % 1000) * duration_ms * 13 / 10 / runs))
        kill_after "$delay_us" "$BATS_TEST_TMPDIR/load.log" load -i "$BIG_ARCHIVE"
        leftovers=$(temp_leftovers)
        echo "# kill $i after $((delay_us / 1000)) ms: rc=$KILL_RC, $(wc -w <<<"$leftovers") temp entries"
        case $KILL_RC in
            137) killed=$((killed + 1)) ;;
            0) completed=$((completed + 1)) ;;
            *) die "kill $i: load failed on its own (rc=$KILL_RC): $(cat "$BATS_TEST_TMPDIR/load.log")" ;;
        esac
        if grep -q '/layers/\.tmp-' <<<"$leftovers"; then
            with_layer_temps=$((with_layer_temps + 1))
        fi

        is "$(berth_processes)" "" "kill $i: no berth process left"

        check_store --skopeo "kill $i"
        names=$STORE_NAMES
        assert "$names" =~ "localhost/busybox:latest" "kill $i: the image loaded before is still listed"
        if [[ $KILL_RC -eq 0 ]]; then
            assert "$names" =~ "$BIG_TAG" "kill $i: a finished load listed its image"
        fi
        if [[ "$names" != *"$BIG_TAG"* && -n "$STORE_UNREFERENCED" ]]; then
            with_partial_layers=$((with_partial_layers + 1))
        fi
        check_berth_reads "kill $i"

        # Every other time, `image prune` cleans up first: it removes the
        # temporary files and what the killed load stored but never listed.
        if ((i % 2 == 1)); then
            run_berth image prune -f
            is "$(temp_leftovers)" "" "kill $i: no temporary leftovers after image prune"
            check_store "kill $i, pruned"
            is "$STORE_UNREFERENCED" "" "kill $i: image prune left no unreferenced blob or layer"
        fi

        # The next write removes the leftovers and completes the image.
        run_berth load -i "$BIG_ARCHIVE"
        is "$output" "Loaded image: $BIG_TAG" "kill $i: load after the kill"
        is "$(temp_leftovers)" "" "kill $i: no temporary leftovers after the next load"
        check_store "kill $i, reloaded"
        names=$STORE_NAMES
        assert "$names" =~ "$BIG_TAG" "kill $i: image listed after the reload"
        assert "$names" =~ "localhost/busybox:latest" "kill $i: busybox still listed after the reload"
        is "$(skopeo inspect --config --raw "oci:$BERTH_TEST_ROOT/images:$BIG_TAG" | sha256sum | cut -d' ' -f1)" \
            "$BIG_IMAGE_ID" "kill $i: the reloaded image has the archive's config"
    done
    echo "# $killed killed, $completed finished; $with_layer_temps with layer temp dirs," \
        "$with_partial_layers with stored but unlisted blobs or layers"
    # The kills must have hit the load while it wrote layers, or the test
    # proved nothing about them.
    assert "$killed" -ge $((runs / 2)) "most kills interrupted the load"
    assert "$with_layer_temps" -ge 1 "some kill interrupted a layer extraction"
}

@test "SIGKILL of berth rmi at random moments leaves a readable store; image prune finishes the removal" {
    local runs=${BERTH_CRASH_RMI_RUNS:-10}
    local seed=${BERTH_CRASH_SEED:-$(((RANDOM << 15) | RANDOM))}
    echo "# kill moments from seed $seed (BERTH_CRASH_SEED=$seed to repeat)"
    RANDOM=$seed

    fresh_store
    run_berth load -i "$FIX/busybox-docker-archive.tar"
    run_berth load -i "$BIG_ARCHIVE"
    local duration_ms
    duration_ms=$(time_berth rmi "$BIG_TAG")
    echo "# one rmi: ${duration_ms} ms"

    local i delay_us killed=0 removed_partly=0
    for ((i = 0; i < runs; i++)); do
        run_berth load -i "$BIG_ARCHIVE"
        delay_us=$(((i * 1000 + RANDOM % 1000) * duration_ms * 12 / 10 / runs))
        kill_after "$delay_us" "$BATS_TEST_TMPDIR/rmi.log" rmi "$BIG_TAG"
        echo "# kill $i after $((delay_us / 1000)) ms: rc=$KILL_RC"
        case $KILL_RC in
            137) killed=$((killed + 1)) ;;
            0) ;;
            *) die "kill $i: rmi failed on its own (rc=$KILL_RC): $(cat "$BATS_TEST_TMPDIR/rmi.log")" ;;
        esac
        is "$(berth_processes)" "" "kill $i: no berth process left"

        # The image is either fully there or not listed; busybox is intact.
        check_store --skopeo "kill $i"
        assert "$STORE_NAMES" =~ "localhost/busybox:latest" "kill $i: busybox still listed"
        if [[ $KILL_RC -eq 0 ]]; then
            assert "$STORE_NAMES" !~ "$BIG_TAG" "kill $i: a finished rmi unlisted the image"
        fi
        if [[ "$STORE_NAMES" != *"$BIG_TAG"* && -n "$STORE_UNREFERENCED$(temp_leftovers)" ]]; then
            removed_partly=$((removed_partly + 1))
        fi
        check_berth_reads "kill $i"

        # prune finishes what the killed rmi started; rmi again if it had
        # not unlisted the image yet.
        run_berth image prune -f
        if [[ "$STORE_NAMES" == *"$BIG_TAG"* ]]; then
            run_berth rmi "$BIG_TAG"
        fi
        is "$(temp_leftovers)" "" "kill $i: no temporary leftovers after prune"
        check_store "kill $i, pruned"
        is "$STORE_UNREFERENCED" "" "kill $i: no unreferenced blob or layer after prune"
        is "$(sort <<<"$STORE_NAMES" | grep -v '^$')" "localhost/busybox:latest" "kill $i: busybox alone"
        is "$(find "$BERTH_TEST_ROOT/layers" -mindepth 1 -maxdepth 1 | wc -l)" 1 \
            "kill $i: only busybox's layer is left"
    done
    echo "# $killed killed; $removed_partly unlisted with blobs or layers still to remove"
    assert "$killed" -ge 1 "some kill interrupted rmi"
}
