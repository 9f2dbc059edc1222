#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Health checks, run by the container's monitor on its own timer (no
# systemd) and by `healthcheck run`: status, failing streak and log in
# inspect's State.Health, "(healthy)" in ps, wait --condition healthy,
# health_status events, --health-on-failure, timeouts, the start period and
# an image's HEALTHCHECK.

load helpers

IMAGE=localhost/busybox:latest

# setup_file, setup and teardown of a file of busybox container tests.
busybox_tests

@test "health: the monitor runs the check on its timer; healthy in inspect, ps, events" {
    run_berth run -d --name hc-ok --health-cmd 'echo ok; echo err >&2' --health-interval 1s \
        $IMAGE sleep 1000
    cid=$output
    run_berth inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' hc-ok
    is "$output" "starting 0" "before the first interval"
    run timeout 20 "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        wait --condition healthy hc-ok
    is "$status" 0 "wait --condition healthy: $output"
    is "$output" "-1"
    run_berth inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{(index .State.Health.Log 0).ExitCode}} {{json (index .State.Health.Log 0).Output}}' hc-ok
    is "$output" 'healthy 0 0 "ok\\nerr\\n"'
    run_berth inspect --format "{{.State.Healthcheck.Status}}" hc-ok
    is "$output" "healthy" "State.Healthcheck, the alias Podman templates accept"
    run_berth inspect --format '{{(index .State.Health.Log 0).Start}}' hc-ok
    assert "$output" =~ '^20[0-9-]+T[0-9:.]+Z$' "RFC 3339 start time"
    run_berth ps --format '{{.Names}} {{.Status}}'
    assert "$output" =~ '^hc-ok Up .* \(healthy\)$'
    run_berth ps --filter health=healthy --format '{{.Names}}'
    is "$output" "hc-ok"
    run_berth ps --filter health=unhealthy --format '{{.Names}}'
    is "$output" ""
    run_berth events --stream=false --filter container=hc-ok --filter event=health_status
    assert "$output" =~ "container health_status $cid \(image=$IMAGE, name=hc-ok, health_status=healthy\)"
    run_berth events --stream=false --filter container=hc-ok --filter event=health_status --format json
    assert "${lines[0]}" =~ '"health_status":"healthy"'

    # More checks follow, one interval apart: the log grows (at most 5).
    sleep 2.5
    run_berth inspect --format '{{len .State.Health.Log}}' hc-ok
    assert "$output" -ge 2 "the checks go on"
}

@test "health: a failing check turns the container unhealthy after --health-retries" {
    # Interval disable: only `healthcheck run` checks, so the count is exact.
    run_berth run -d --name hc-bad --health-cmd 'echo sick; exit 3' --health-interval disable \
        --health-retries 2 $IMAGE sleep 1000
    run_berth 1 healthcheck run hc-bad
    is "$output" "unhealthy" "healthcheck run prints unhealthy for a failed check"
    run_berth inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' hc-bad
    is "$output" "starting 1" "one failure of two allowed"
    run_berth 1 healthcheck run hc-bad
    run_berth inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{(index .State.Health.Log 1).ExitCode}} {{json (index .State.Health.Log 1).Output}}' hc-bad
    is "$output" 'unhealthy 2 1 "sick\\n"' "Podman records exit code 1 for any failure"
    run_berth ps --format '{{.Names}} {{.Status}}'
    assert "$output" =~ '^hc-bad Up .* \(unhealthy\)$'
    run_berth ps --filter health=unhealthy --format '{{.Names}}'
    is "$output" "hc-bad"
    run timeout 10 "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        wait --condition unhealthy hc-bad
    is "$status" 0 "wait --condition unhealthy returns at once: $output"

    # The container is still running (no --health-on-failure): a stop and a
    # start begin again from "starting".
    run_berth stop -t 0 hc-bad
    run_berth ps -a --format '{{.Status}}' --filter name=hc-bad
    assert "$output" =~ '^Exited \(137\) .* \(unhealthy\)$' "ps keeps the last health"
    run_berth start hc-bad
    run_berth inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{len .State.Health.Log}}' hc-bad
    is "$output" "starting 0 2" "a start resets status and streak, keeps the log"
}

@test "health: healthcheck run on a healthy container, and its errors" {
    run_berth run -d --name hc-run --health-cmd '["/bin/true"]' --health-interval disable \
        $IMAGE sleep 1000
    cid=$output
    run_berth healthcheck run hc-run
    is "$output" "" "nothing printed when healthy"
    run_berth inspect --format '{{.State.Health.Status}}' hc-run
    is "$output" "healthy"

    run_berth run -d --name hc-none $IMAGE sleep 1000
    none=$output
    run_berth 125 healthcheck run hc-none
    is "$output" "Error: container $none has no defined healthcheck"
    run_berth inspect --format '{{json .State.Health}}' hc-none
    is "$output" '{"Status":"","FailingStreak":0,"Log":null}' "no health check: Podman's zero value"
    run_berth 125 wait --condition healthy hc-none
    is "$output" "Error: cannot use condition \"healthy\": container $none has no healthcheck"

    run_berth create --name hc-created --health-cmd true $IMAGE true
    created=$output
    run_berth 125 healthcheck run hc-created
    is "$output" "Error: container $created is not running"
    run_berth 125 healthcheck run no-such-container
    is "$output" "Error: no container with name or ID \"no-such-container\" found: no such container"
    run_berth 125 healthcheck run
    is "$output" "Error: accepts 1 arg(s), received 0"
    run_berth 125 wait --condition sickly hc-run
    assert "$output" =~ '^Error: unknown condition "sickly": expected one of .*healthy, unhealthy$'

    # A command that does not exist fails the check; it does not break it.
    run_berth run -d --name hc-missing --health-cmd '["/no/such/check"]' \
        --health-interval disable $IMAGE sleep 1000
    run_berth 1 healthcheck run hc-missing
    is "$output" "unhealthy"
    run_berth inspect --format '{{(index .State.Health.Log 0).ExitCode}}' hc-missing
    is "$output" "1"
}

@test "health: a check that runs past --health-timeout is killed and fails" {
    run_berth run -d --name hc-slow --health-cmd 'sleep 30' --health-timeout 1s \
        --health-interval disable --health-retries 1 $IMAGE sleep 1000
    local start=$SECONDS
    run_berth 125 healthcheck run hc-slow
    is "$output" "Error: healthcheck command exceeded timeout of 1s"
    assert $((SECONDS - start)) -lt 10 "the check was killed at its timeout"
    run_berth inspect --format '{{.State.Health.Status}} {{(index .State.Health.Log 0).ExitCode}}' hc-slow
    is "$output" "unhealthy -1"
    run_berth exec hc-slow sh -c 'ps -o comm= | grep -c "^sleep$"'
    is "$output" "1" "only the container's own sleep is left"
}

@test "health: failures in --health-start-period do not count" {
    run_berth run -d --name hc-grace --health-cmd false --health-start-period 1h \
        --health-interval disable --health-retries 1 $IMAGE sleep 1000
    run_berth 1 healthcheck run hc-grace
    run_berth 1 healthcheck run hc-grace
    run_berth inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{len .State.Health.Log}}' hc-grace
    is "$output" "starting 0 2"
}

@test "health: --health-on-failure restart restarts an unhealthy container" {
    # Healthy only until the file exists; the restarted container has it
    # too (same rootfs), so it is counted on every start.
    run_berth run -d --name hc-restart --health-cmd 'test ! -e /sick' --health-interval 1s \
        --health-retries 1 --health-on-failure restart --stop-timeout 0 \
        $IMAGE sh -c 'echo start >> /starts; sleep 1000'
    run_berth exec hc-restart touch /sick
    local i n=0
    for i in $(seq 1 60); do
        n=$("$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
            exec hc-restart cat /starts 2>/dev/null | wc -l)
        [[ $n -ge 2 ]] && break
        sleep 0.5
    done
    assert "$n" -ge 2 "the container was started again"
    run_berth inspect --format '{{.State.Status}}' hc-restart
    is "$output" "running"
    run_berth events --stream=false --filter container=hc-restart --format '{{.Status}}'
    assert "$output" =~ "health_status"
    assert "$output" =~ "restart"
}

@test "health: --health-on-failure kill and stop end the container" {
    run_berth run -d --name hc-kill --health-cmd false --health-interval 1s --health-retries 1 \
        --health-on-failure kill $IMAGE sleep 1000
    wait_for_inspect hc-kill '{{.State.Status}} {{.State.ExitCode}}' "exited 137"
    run_berth run -d --name hc-stop --health-cmd false --health-interval 1s --health-retries 1 \
        --health-on-failure stop --stop-timeout 0 $IMAGE sleep 1000
    wait_for_inspect hc-stop '{{.State.Status}}' "exited"
    run_berth inspect --format '{{.State.Health.Status}}' hc-stop
    is "$output" "unhealthy"
}

@test "health: an image's HEALTHCHECK is run; --no-healthcheck turns it off" {
    # The fixture image with a HEALTHCHECK in its config (docker-archive:
    # the config's name is its digest).
    local dir=$BATS_TEST_TMPDIR/hc-image
    mkdir -p "$dir/x"
    tar -C "$dir/x" -xf "$BERTH_FIXTURES/busybox-docker-archive.tar"
    local config
    config=$(jq -r '.[0].Config' "$dir/x/manifest.json")
    jq -c '.config.Healthcheck = {"Test":["CMD-SHELL","echo from-image"],"Interval":1000000000,"Retries":2}' \
        "$dir/x/$config" >"$dir/config.json"
    local digest
    digest=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
    rm "$dir/x/$config"
    mv "$dir/config.json" "$dir/x/$digest.json"
    jq -c --arg c "$digest.json" '.[0].Config = $c | .[0].RepoTags = ["localhost/hc-image:latest"]' \
        "$dir/x/manifest.json" >"$dir/manifest.json"
    mv "$dir/manifest.json" "$dir/x/manifest.json"
    tar -C "$dir/x" -cf "$dir/hc-image.tar" .
    run_berth load -i "$dir/hc-image.tar"

    run_berth run -d --name hc-image localhost/hc-image:latest sleep 1000
    run_berth inspect --format '{{json .Config.Healthcheck}}' hc-image
    is "$output" '{"Test":["CMD-SHELL","echo from-image"],"Interval":1000000000,"Timeout":30000000000,"Retries":2}'
    run timeout 20 "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        wait --condition healthy hc-image
    is "$status" 0 "the image's check made it healthy: $output"
    run_berth inspect --format '{{json (index .State.Health.Log 0).Output}}' hc-image
    is "$output" '"from-image\n"'

    run_berth run -d --name hc-image-off --no-healthcheck localhost/hc-image:latest sleep 1000
    off=$output
    run_berth 125 healthcheck run hc-image-off
    is "$output" "Error: container $off has no defined healthcheck"
    run_berth rmi -f localhost/hc-image:latest
}
