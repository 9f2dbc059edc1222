#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Terminals and attach: run -t/-it, the container's own pty, window size,
# detach keys, attach, start -ai. A real terminal is driven through tmux.

load helpers
load terminal

IMAGE=localhost/busybox:latest

function setup_file() {
    busybox_setup_file
}

function setup() {
    busybox_setup
    command -v tmux >/dev/null || skip "tmux is not installed"
    TMUX_SERVER="berth-tty-$$-$BATS_TEST_NUMBER"
}

function teardown() {
    tmux -L "$TMUX_SERVER" kill-server >/dev/null 2>&1 || true
    remove_all_containers
}

@test "run -t: the container's own pty on stdin, stdout, stderr and /dev/console" {
    run_berth run --rm -t $IMAGE sh -c 'tty; for fd in 0 1 2; do readlink /proc/self/fd/$fd; done; test -c /dev/console && echo console-ok; echo out; echo err >&2'
    # A terminal turns \n into \r\n, and stderr goes through it too.
    assert "$output" =~ $'^/dev/pts/0\r' "tty names the container's pty"
    assert "$output" =~ $'/dev/pts/0\r\n/dev/pts/0\r\n/dev/pts/0\r' "fds 0, 1, 2 are the pty"
    assert "$output" =~ $'console-ok\r' "/dev/console is the pty"
    assert "$output" =~ $'out\r\nerr\r' "stderr goes through the terminal"

    # Without -t: pipes, no terminal.
    run_berth 1 run --rm $IMAGE tty
    is "$output" "not a tty"
}

@test "run -it in a terminal: typing, window size, resize, detach, attach again, exit code" {
    term_start one 100 30 run -it --name tty-ctr $IMAGE sh
    term_wait one '^/ #'
    term_type one 'echo sum-$((40+2)); stty size' Enter
    term_wait one '^sum-42'
    term_wait one '^30 100'
    # The window follows the user's terminal.
    tmux -L "$TMUX_SERVER" resize-window -t one -x 120 -y 40
    term_type one 'stty size' Enter
    term_wait one '^40 120'

    # ctrl-p ctrl-q detaches: berth exits 0, the container runs on.
    term_type one C-p C-q
    term_wait one 'EXIT=0$'
    run_berth ps --filter name=tty-ctr --format '{{.Status}}'
    assert "$output" =~ "^Up" "the container runs after detaching"

    # Attach from another terminal of another size.
    term_start two 90 25 attach tty-ctr
    sleep 0.5
    term_type two 'echo again-$((1+1)); stty size' Enter
    term_wait two '^again-2'
    term_wait two '^25 90'
    # ^C goes to the container's shell (raw mode), not to berth.
    term_type two 'sleep 30' Enter
    sleep 1
    term_type two C-c
    term_type two 'echo after-ctrl-c' Enter
    term_wait two '^after-ctrl-c'
    term_type two 'exit 7' Enter
    term_wait two 'EXIT=7$'
    run_berth inspect --format '{{.State.Status}} {{.State.ExitCode}}' tty-ctr
    is "$output" "exited 7"
}

@test "--detach-keys: a custom sequence on attach, and none with \"\"" {
    run_berth run -dit --name keys-ctr $IMAGE sh
    term_start one 80 24 attach --detach-keys ctrl-x,y keys-ctr
    sleep 0.5
    # ctrl-x then something else: both reach the shell, no detach.
    term_type one 'echo one' Enter
    term_wait one '^one'
    term_type one C-x y
    term_wait one 'EXIT=0$'
    run_berth inspect --format '{{.State.Status}}' keys-ctr
    is "$output" "running"

    # "" turns detaching off: ctrl-p ctrl-q reach the shell.
    term_start two 80 24 attach --detach-keys "''" keys-ctr
    sleep 0.5
    # ctrl-p is the shell's "previous command": it recalls the last line.
    term_type two C-p C-q
    term_wait two 'echo one$'
    term_type two Enter
    term_wait two '^one$'
    term_type two 'exit 0' Enter
    term_wait two 'EXIT=0$'
}

@test "start -ai: attach a created terminal container and type into it" {
    run_berth create -it --name start-ctr $IMAGE sh
    term_start one 80 24 start -ai start-ctr
    term_wait one '^/ #'
    term_type one 'exit 4' Enter
    term_wait one 'EXIT=4$'
}

@test "attach without a terminal: output until the exit, stdin with -i, the exit code" {
    run_berth run -d --name late-ctr $IMAGE sh -c 'sleep 1; echo late; echo late-err >&2; exit 3'
    run_berth 3 attach late-ctr
    is "$output" $'late\nlate-err'
    # attach cleaned up: the container is exited, not "running".
    run_berth inspect --format '{{.State.Status}}' late-ctr
    is "$output" "exited"

    run_berth run -di --name cat-ctr $IMAGE sh -c 'cat; echo done'
    run bash -c "echo hello-cat | $BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT attach cat-ctr"
    is "$status" 0
    is "$output" $'hello-cat\ndone'

    # --no-stdin: input is not forwarded; the container runs on.
    run_berth run -di --name nostdin-ctr $IMAGE cat
    run bash -c "echo never | timeout -s KILL 2 $BERTH --root $BERTH_TEST_ROOT --runroot $BERTH_TEST_RUNROOT attach --no-stdin nostdin-ctr"
    is "$status" 137 "attach --no-stdin waits for the container (timeout kills it)"
    run_berth inspect --format '{{.State.Status}}' nostdin-ctr
    is "$output" "running"
}

@test "exec -t: a terminal of the container's devpts; -it typed into, resized, detached" {
    run_berth run -d --name exec-tty-ctr $IMAGE sleep 1000
    run_berth 3 exec -t exec-tty-ctr sh -c 'tty; echo err >&2; exit 3'
    # The container has no terminal: the exec's is the first of its devpts.
    is "$output" $'/dev/pts/0\r\nerr\r' "stdout and stderr through the terminal"
    run_berth 1 exec exec-tty-ctr tty
    is "$output" "not a tty"

    term_start one 100 30 exec -it exec-tty-ctr sh
    term_wait one '^/ #'
    term_type one 'echo in-exec-$((2+3)); stty size' Enter
    term_wait one '^in-exec-5'
    term_wait one '^30 100'
    tmux -L "$TMUX_SERVER" resize-window -t one -x 110 -y 35
    term_type one 'stty size' Enter
    term_wait one '^35 110'
    term_type one 'exit 6' Enter
    term_wait one 'EXIT=6$'

    # Detached: berth exits 0, the session runs on and is listed.
    term_start two 80 24 exec -it exec-tty-ctr sh
    term_wait two '^/ #'
    term_type two C-p C-q
    term_wait two 'EXIT=0$'
    run_berth inspect --format '{{len .ExecIDs}}' exec-tty-ctr
    is "$output" "1" "the detached session is listed"
}

@test "attach and --detach-keys: bad input" {
    run_berth 125 run --detach-keys ctrl-1 --name never-ctr $IMAGE true
    is "$output" 'Error: invalid detach keys "ctrl-1": unknown character "ctrl-1"'
    run_berth ps -a -q
    is "$output" "" "nothing was created"
    run_berth 125 attach no-such-ctr
    is "$output" 'Error: no container with name or ID "no-such-ctr" found: no such container'
    run_berth run --name exited-ctr $IMAGE true
    run_berth 125 attach exited-ctr
    is "$output" "Error: you can only attach to running containers"
    run_berth run -d --name bad-keys-ctr $IMAGE sleep 60
    run_berth 125 attach --detach-keys ctrl-p,, bad-keys-ctr
    is "$output" 'Error: invalid detach keys "ctrl-p,,": unknown character ""'
    run_berth 125 start -a --detach-keys DELETE exited-ctr
    is "$output" 'Error: invalid detach keys "DELETE": unknown character "DELETE"'
}
