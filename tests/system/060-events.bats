#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# events: the events log in Podman's format, filters, times, formats and
# streaming, root and rootless.

load helpers

IMAGE=localhost/busybox:latest

# setup_file, setup and teardown of a file of busybox container tests.
busybox_tests

@test "events: run -d, stop, rm write Podman's events in order, died once" {
    local name=evt-seq-$(safename)
    run_berth run -d --name $name --label team=blue $IMAGE sleep 100
    local cid="$output"
    run_berth stop -t 0 $name
    run_berth rm $name
    run_berth events --stream=false --filter container=$name --format '{{.Status}}'
    is "$(echo $output)" "create init start stop died cleanup remove" "the lifecycle, in order"

    # The log line is Podman's events.Event JSON.
    local log=$BERTH_TEST_RUNROOT/events/events.log
    run grep "\"Status\":\"start\"" $log
    assert "$output" =~ "^\\{\"ID\":\"$cid\",\"Image\":\"$IMAGE\",\"Name\":\"$name\",\"Status\":\"start\",\"Time\":\"[0-9T:.-]+Z\",\"Type\":\"container\",\"Attributes\":\\{\"team\":\"blue\"\\}\\}$" "start line"

    # Human form: Podman's ToHumanReadable.
    run_berth events --stream=false --filter container=$cid --filter event=start
    assert "$output" =~ "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ \\+0000 UTC container start $cid \\(image=$IMAGE, name=$name, team=blue\\)$"
    run_berth events --stream=false --no-trunc=false --filter container=$cid --filter event=start
    assert "$output" =~ "container start ${cid:0:12} \\(image="
}

@test "events: died carries the exit code; --rm run; kill has its signal" {
    local name=evt-died-$(safename)
    run_berth 3 run --name $name $IMAGE sh -c 'exit 3'
    run_berth events --stream=false --filter container=$name --filter event=died --format json
    is "${#lines[@]}" 1 "one died event"
    is "$(jq -r .ContainerExitCode <<<"$output")" 3 "exit code"
    run_berth events --stream=false --filter container=$name --format '{{.Status}}'
    is "$(echo $output)" "create init start attach died cleanup" "foreground run"
    run_berth rm $name

    local rmname=evt-rm-$(safename)
    run_berth run --rm --name $rmname $IMAGE true
    run_berth events --stream=false --filter container=$rmname --format '{{.Status}}'
    is "$(echo $output)" "create init start attach died cleanup remove" "--rm run"

    local killed=evt-kill-$(safename)
    run_berth run -d --name $killed $IMAGE sleep 100
    run_berth kill -s USR1 $killed
    run_berth events --stream=false --filter container=$killed --filter event=kill --format '{{.Attributes.signal}}'
    is "$output" "10" "kill records the signal"
    run_berth rm -f -t 0 $killed
    run_berth events --stream=false --filter container=$killed --filter event=died --format '{{.ContainerExitCode}}'
    is "${#lines[@]}" 1 "died exactly once"
}

@test "events: image events, filters, --format json parses" {
    local tag=localhost/evt-tag-$(safename):1
    run_berth tag $IMAGE $tag
    run_berth untag $IMAGE $tag
    run_berth events --stream=false --filter type=image --filter event=tag --filter event=untag --format '{{.Status}} {{.Name}}'
    assert "$output" =~ "tag $tag"
    assert "$output" =~ "untag $tag"
    run_berth events --stream=false --filter type=image --format json
    for line in "${lines[@]}"; do
        is "$(jq -r .Type <<<"$line")" image "every line is JSON of an image event"
    done
    run_berth events --stream=false --filter label=nosuchlabel=x
    is "$output" "" "a label nobody has"
    run_berth events --stream=false --format '{{json .}}' --filter event=loadfromarchive
    assert "${lines[0]}" =~ '^\{"Name":".*busybox-docker-archive.tar","Status":"loadfromarchive","Time":"[^"]+","Type":"image","Attributes":null\}$'
}

@test "events: --since and --until" {
    local name=evt-time-$(safename)
    run_berth create --name $name $IMAGE true
    local cid="$output"
    sleep 1.2
    local mid=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
    run_berth rename $name $name-2
    run_berth events --stream=false --filter container=$name-2 --since $mid --format '{{.Status}}'
    is "$output" "rename" "only what came after"
    run_berth events --stream=false --filter event=create --filter container=$cid --until $mid --format '{{.Status}}'
    is "$output" "create" "only what came before"
    run_berth events --stream=false --filter event=rename --since 10m --format '{{.Name}}'
    is "$output" "$name-2" "a duration before now"
    run_berth events --stream=false --filter event=rename --until 10m
    is "$output" "" "nothing is older than 10 minutes"
    run_berth rm $name-2
}

@test "events: streaming sees a new event; --stream=false exits" {
    local name=evt-stream-$(safename)
    local out=$BATS_TEST_TMPDIR/stream.out
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" events \
        --filter container=$name --format '{{.Status}} {{.Name}}' >$out 2>&1 &
    local pid=$!
    sleep 0.5
    run_berth create --name $name $IMAGE true
    local i
    for i in $(seq 50); do
        grep -q "create $name" $out && break
        sleep 0.1
    done
    kill $pid
    wait $pid || true
    run cat $out
    is "$output" "create $name" "the streamed event"
    run_berth rm $name
    # --until in the near future ends a stream.
    run_berth events --since 1s --until "$(date -u -d '+1 second' +%Y-%m-%dT%H:%M:%S.%NZ)"
}

@test "events: bad filters and times" {
    run_berth 125 events --stream=false --filter foo=bar
    assert "$output" =~ '^Error: invalid filter "foo=bar": expected one of'
    run_berth 125 events --stream=false --filter event
    is "$output" 'Error: invalid filter "event": expected KEY=VALUE'
    run_berth 125 events --stream=false --filter type=car
    assert "$output" =~ '^Error: invalid filter "type=car"'
    run_berth 125 events --stream=false --since yesterday
    assert "$output" =~ '^Error: invalid value "yesterday" for --since'
    run_berth 125 events --stream=false --until 1x
    assert "$output" =~ '^Error: invalid value "1x" for --until'
    run_berth 125 events --stream=false --format '{{.Nope}}' --filter event=loadfromarchive
    assert "$output" =~ "can't evaluate field Nope"
}
