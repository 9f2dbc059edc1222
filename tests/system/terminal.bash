# -*- bash -*-
# SPDX-License-Identifier: Apache-2.0
#
# A real terminal for the tests, driven through tmux: berth runs in a tmux
# session of a given size on the server $TMUX_SERVER (set it per test, kill
# it in teardown); keys are typed with term_type, the screen read with
# term_screen / term_wait. Load after helpers.bash.

# term_start NAME COLS ROWS BERTH-ARGS...: runs berth in a new tmux terminal
# of that size; when berth ends the pane shows "EXIT=<code>" and stays.
function term_start() {
    local name=$1 cols=$2 rows=$3
    shift 3
    local cmd="$BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT $*"
    echo "# [$name] $cmd" >&2
    tmux -L "$TMUX_SERVER" new-session -d -s "$name" -x "$cols" -y "$rows" \
        "$cmd; echo EXIT=\$?; sleep 600"
}

function term_type() {
    local name=$1
    shift
    tmux -L "$TMUX_SERVER" send-keys -t "$name" "$@"
}

function term_screen() {
    tmux -L "$TMUX_SERVER" capture-pane -p -t "$1"
}

# term_wait NAME REGEX: waits (10 s) until the screen matches.
function term_wait() {
    local name=$1 regex=$2 i
    for i in $(seq 1 100); do
        if term_screen "$name" | grep -qE -- "$regex"; then
            return 0
        fi
        sleep 0.1
    done
    echo "# screen of $name:" >&2
    term_screen "$name" | sed 's/^/#   /' >&2
    die "timed out waiting for /$regex/ on the terminal $name"
}
