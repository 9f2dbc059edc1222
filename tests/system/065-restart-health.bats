#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Restart policies, run by the container's monitor: on-failure[:N], always,
# unless-stopped, honoured after stop and kill as Podman does; bad values.
# Health checks: the --health-* values are checked and recorded (the checks
# themselves: 066-health.bats).

load helpers

IMAGE=localhost/busybox:latest

# setup_file, setup and teardown of a file of busybox container tests.
busybox_tests

# The container's process id (run_berth would log to stdout).
function container_pid() {
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        inspect --format '{{.State.Pid}}' "$1"
}

@test "restart: bad --restart values exit 125 and create nothing" {
    local value expected
    while IFS='|' read -r value expected; do
        run_berth 125 create --restart "$value" --name restart-bad $IMAGE true
        is "$output" "Error: $expected" "--restart $value"
        run_berth 125 run -d --restart "$value" --name restart-bad $IMAGE true
        is "$output" "Error: $expected" "run --restart $value"
    done <<'EOF'
sometimes|running container create option: "sometimes" is not a valid restart policy: invalid argument
ON-FAILURE|running container create option: "ON-FAILURE" is not a valid restart policy: invalid argument
on-failure:x|parsing restart policy retry count: strconv.Atoi: parsing "x": invalid syntax
on-failure:|parsing restart policy retry count: strconv.Atoi: parsing "": invalid syntax
on-failure:-1|must specify restart policy retry count as a number greater than 0
on-failure:1:2|invalid restart policy: may specify retries at most once
always:3|restart policy retries can only be specified with on-failure restart policy
no:1|restart policy retries can only be specified with on-failure restart policy
EOF
    run_berth 125 create --rm --restart always $IMAGE true
    is "$output" 'Error: the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"'
    run_berth ps -a -q
    is "$output" "" "nothing was created"
}

@test "restart: the policy is shown by inspect" {
    local value expected
    while IFS='|' read -r value expected; do
        run_berth create --restart "$value" --name restart-show $IMAGE true
        run_berth inspect --format '{{json .HostConfig.RestartPolicy}} {{.RestartCount}}' restart-show
        is "$output" "$expected 0" "--restart $value"
        run_berth rm restart-show
    done <<'EOF'
no|{"Name":"no","MaximumRetryCount":0}
on-failure|{"Name":"on-failure","MaximumRetryCount":0}
on-failure:0|{"Name":"on-failure","MaximumRetryCount":0}
on-failure:2|{"Name":"on-failure","MaximumRetryCount":2}
always|{"Name":"always","MaximumRetryCount":0}
unless-stopped|{"Name":"unless-stopped","MaximumRetryCount":0}
EOF
    run_berth create --name restart-show $IMAGE true
    run_berth inspect --format '{{json .HostConfig.RestartPolicy}}' restart-show
    is "$output" '{"Name":"","MaximumRetryCount":0}' "no --restart"
    run_berth create --rm --restart no $IMAGE true
}

@test "restart: on-failure:2 restarts exactly twice and keeps the exit code" {
    run_berth run -d --restart on-failure:2 --name restart-fail $IMAGE sh -c 'echo ran; exit 3'
    wait_for_inspect restart-fail '{{.State.Status}}' exited
    run_berth inspect --format '{{.RestartCount}} {{.State.ExitCode}}' restart-fail
    is "$output" "2 3"
    # The same log, one line per run.
    run_berth logs restart-fail
    is "$output" "ran
ran
ran"
    run_berth ps -a --format '{{.Status}}' --filter name=restart-fail
    is "$output" "Exited \(3\) .*"
    # Each restarted run died, then the new one was initialised and started.
    run_berth events --stream=false --filter container=restart-fail --format '{{.Status}}'
    is "$(echo $output)" "create init start died init start died init start died cleanup"
    run_berth events --stream=false --filter container=restart-fail --filter event=died \
        --format '{{.ContainerExitCode}}'
    is "$(echo $output)" "3 3 3"
    # A success is not restarted by on-failure.
    run_berth run -d --restart on-failure --name restart-ok $IMAGE true
    wait_for_inspect restart-ok '{{.State.Status}}' exited
    run_berth inspect --format '{{.RestartCount}} {{.State.ExitCode}}' restart-ok
    is "$output" "0 0"
    # start begins a new count.
    run_berth start restart-fail
    wait_for_inspect restart-fail '{{.State.Status}} {{.RestartCount}}' "exited 2"
}

@test "restart: always restarts a killed process, stops after stop" {
    run_berth run -d --restart always --name restart-always $IMAGE sleep 1000
    local first
    first=$(container_pid restart-always)
    kill -s KILL "$first"
    wait_for_inspect restart-always '{{.RestartCount}} {{.State.Status}}' "1 running"
    local second
    second=$(container_pid restart-always)
    assert "$second" != "$first" "a new process"
    assert "$second" != "0" "a process"
    kill -0 "$second"
    run_berth ps --format '{{.Names}} {{.Status}}'
    is "$output" "restart-always Up .*"
    # A process that exits by itself is restarted too, with the same log.
    run_berth stop -t 0 restart-always
    run_berth inspect --format '{{.State.Status}} {{.RestartCount}}' restart-always
    is "$output" "exited 1"
    sleep 1
    run_berth inspect --format '{{.State.Status}}' restart-always
    is "$output" "exited" "no restart after stop"
    # Started again: it restarts again after a kill.
    run_berth start restart-always
    run_berth inspect --format '{{.RestartCount}}' restart-always
    is "$output" "0" "start resets the count"
    kill -s KILL "$(container_pid restart-always)"
    wait_for_inspect restart-always '{{.RestartCount}} {{.State.Status}}' "1 running"
    # berth kill counts as stopped by the user, as podman kill.
    run_berth kill -s KILL restart-always
    run_berth wait restart-always
    sleep 1
    run_berth inspect --format '{{.State.Status}} {{.RestartCount}}' restart-always
    is "$output" "exited 1" "no restart after berth kill"
}

@test "restart: unless-stopped restarts a failing command until stop" {
    run_berth run -d --restart unless-stopped --name restart-unless $IMAGE sh -c 'sleep 0.3; exit 1'
    wait_for_inspect restart-unless '{{if ge .RestartCount 3}}many{{end}}' many
    run_berth stop -t 0 restart-unless
    run_berth inspect --format '{{.State.Status}}' restart-unless
    is "$output" "exited"
    run_berth inspect --format '{{.RestartCount}}' restart-unless
    local count=$output
    sleep 1.5
    run_berth inspect --format '{{.State.Status}} {{.RestartCount}}' restart-unless
    is "$output" "exited $count" "no restart after stop"
}

@test "restart: rm -f of a container in its restart loop" {
    run_berth run -d --restart always --name restart-rm $IMAGE false
    wait_for_inspect restart-rm '{{if ge .RestartCount 2}}yes{{end}}' yes
    run_berth rm -f -t 0 restart-rm
    run_berth ps -a -q
    is "$output" ""
    local pids
    pids=$(_pids_naming "$(_pause_pid "$BERTH_TEST_RUNROOT")" "$BERTH_TEST_ROOT" "$BERTH_TEST_RUNROOT")
    is "$pids" "" "no monitor left"
}

@test "restart: start --all --filter restart-policy=always" {
    run_berth create --restart always --name restart-all-a $IMAGE sleep 1000
    local always=$output
    run_berth create --restart on-failure --name restart-all-b $IMAGE sleep 1000
    run_berth create --name restart-all-c $IMAGE sleep 1000
    run_berth start --all --filter restart-policy=always
    is "$output" "$always"
    run_berth ps --format '{{.Names}}'
    is "$output" "restart-all-a"
    run_berth ps -a --filter restart-policy=on-failure --format '{{.Names}}'
    is "$output" "restart-all-b"
    # Named containers are narrowed by the filter too.
    run_berth start --filter restart-policy=always restart-all-b restart-all-c
    is "$output" ""
    run_berth 125 start --all --filter restart-policy=bogus
    is "$output" "Error: bogus invalid restart policy"
    run_berth 125 ps --filter restart-policy=sometimes
    is "$output" "Error: sometimes invalid restart policy"
}

@test "restart: contrib/systemd/berth-restart.service verifies" {
    command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
    local unit_in="$BATS_TEST_DIRNAME/../../contrib/systemd/berth-restart.service.in"
    [[ -r "$unit_in" ]] || skip "no source tree beside the tests"
    local dir="$BATS_TEST_TMPDIR/units"
    mkdir -p "$dir"
    # The unit names <bindir>/berth: the berth under test stands in for it.
    ln -sf "$(command -v "$BERTH")" "$dir/berth"
    sed "s|@BINDIR@|$dir|g" "$unit_in" >"$dir/berth-restart.service"
    # --user needs a runtime dir; man pages may not be installed.
    XDG_RUNTIME_DIR=$dir run systemd-analyze verify --man=no --user "$dir/berth-restart.service"
    echo "$output"
    [[ $status -eq 0 ]] || die "systemd-analyze verify failed: $output"
    is "$(grep ^ExecStart= "$dir/berth-restart.service")" \
        "ExecStart=$dir/berth start --all --filter restart-policy=always"
}

@test "health: the --health-* values are recorded as Podman does; --no-healthcheck is kept" {
    run_berth create --health-cmd 'echo hi' --health-interval 2s --health-retries 5 \
        --health-timeout 3s --health-start-period 1s --health-on-failure restart \
        --name health-flags $IMAGE true
    run_berth inspect --format '{{json .Config.Healthcheck}} {{.Config.HealthcheckOnFailureAction}}' health-flags
    is "$output" '{"Test":["CMD-SHELL","echo hi"],"StartPeriod":1000000000,"Interval":2000000000,"Timeout":3000000000,"Retries":5} restart'
    run_berth create --health-cmd '["echo","hi"]' --name health-exec $IMAGE true
    run_berth inspect --format '{{json .Config.Healthcheck.Test}}' health-exec
    is "$output" '["CMD","echo","hi"]'
    run_berth create --health-cmd none --name health-off $IMAGE true
    run_berth create --no-healthcheck --name health-none $IMAGE true
    run_berth inspect --format '{{json .Config.Healthcheck}} {{.Config.HealthcheckOnFailureAction}}' health-none
    is "$output" '{"Test":["NONE"]} none'
}

@test "health: bad --health-* values exit 125 and create nothing" {
    local args expected
    while IFS='|' read -r args expected; do
        run_berth 125 create --health-cmd true $args --name health-bad $IMAGE true
        is "$output" "Error: $expected" "$args"
    done <<'EOF2'
--health-interval 0x|invalid healthcheck-interval: time: unknown unit "x" in duration "0x"
--health-interval 5|invalid healthcheck-interval: time: missing unit in duration "5"
--health-timeout 0s|healthcheck-timeout must be at least 1 second
--health-retries 0|healthcheck-retries must be greater than 0
--health-retries x|invalid argument "x" for "--health-retries" flag: strconv.ParseUint: parsing "x": invalid syntax
--health-start-period -1s|healthcheck-start-period must be 0 seconds or greater
--health-on-failure bogus|invalid on-failure action "bogus" for health check: supported actions are none,kill,restart,stop
--no-healthcheck|cannot specify both --no-healthcheck and --health-cmd
EOF2
    run_berth 125 run -d --health-cmd true --health-interval 0x $IMAGE true
    is "$output" 'Error: invalid healthcheck-interval: time: unknown unit "x" in duration "0x"'
    run_berth ps -a -q
    is "$output" "" "nothing was created"
}
