#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Secrets, root and rootless: secret create/ls/inspect/rm/exists, --secret
# as a read-only file with its owner and mode or as an environment
# variable, and the data kept out of inspect, logs and the records.

load helpers

IMAGE=localhost/busybox:latest
DATA=s3cr3t-$$-value

function setup_file() {
    busybox_setup_file
}

function setup() {
    busybox_setup
}

function teardown() {
    remove_all_containers
    "$BERTH" --root "$BERTH_TEST_ROOT" --runroot "$BERTH_TEST_RUNROOT" \
        secret rm -a >/dev/null 2>&1 || true
}

function secret_file() {
    local file=$BERTH_TEST_TMP/berth-secret-$$
    printf '%s' "$DATA" >"$file"
    echo "$file"
}

@test "secret create, ls, inspect, exists, rm" {
    local file
    file=$(secret_file)
    run_berth secret create mysec "$file"
    local id=$output
    assert "$id" =~ "^[0-9a-f]{25}$" "a 25-hex id"
    run_berth secret create --label a=b --driver file fromstdin - <"$file"
    MYSECRET_ENV=$DATA run_berth secret create --env fromenv MYSECRET_ENV
    rm -f "$file"

    run_berth secret ls
    is "${lines[0]}" "ID                         NAME        DRIVER      CREATED                 UPDATED"
    assert "${lines[1]}" =~ "^$id  mysec       file        " "a row per secret"
    run_berth secret ls --format '{{.Name}} {{.Driver}}' --filter name=from
    is "$output" "fromstdin file
fromenv file"
    run_berth secret ls -q --filter name=mysec
    is "$output" "$id"

    run_berth secret inspect mysec
    run jq -r '.[0] | "\(.ID) \(.Spec.Name) \(.Spec.Driver.Name)"' <<<"$output"
    is "$output" "$id mysec file"
    run_berth secret inspect --format '{{.Spec.Name}} {{.Spec.Labels}}' fromstdin
    is "$output" "fromstdin map[a:b]"
    run_berth secret inspect "${id:0:8}"
    assert "$output" !~ "$DATA" "inspect never shows the data"

    run_berth secret exists mysec
    run_berth secret exists "$id"
    run_berth 1 secret exists nope

    # The data is kept 0600 in a 0700 directory.
    is "$(stat -c %a "$BERTH_TEST_ROOT/secrets/$id/data")" "600"
    is "$(stat -c %a "$BERTH_TEST_ROOT/secrets/$id")" "700"
    run grep -rl -- "$DATA" "$BERTH_TEST_ROOT/secrets"
    is "$(wc -l <<<"$output")" "3" "only the three data files hold the secret"

    run_berth secret rm mysec fromstdin
    is "$output" "$id
$(tail -1 <<<"$output")"
    run_berth 1 secret exists mysec
    run_berth secret rm -a
    run_berth secret ls -q
    is "$output" ""
}

@test "secret: bad input is one line, exit 125, nothing made" {
    local file
    file=$(secret_file)
    run_berth 125 secret create 'a/b' "$file"
    is "$output" "Error: only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: a/b: invalid secret name"
    run_berth secret create dup "$file"
    run_berth 125 secret create dup "$file"
    is "$output" "Error: dup: secret name in use"
    local big=$BERTH_TEST_TMP/berth-secret-big-$$
    head -c 600000 /dev/zero >"$big"
    run_berth 125 secret create big "$big"
    is "$output" "Error: secret data must be larger than 0 and less than 512000 bytes"
    : >"$big"
    run_berth 125 secret create empty "$big"
    is "$output" "Error: secret data must be larger than 0 and less than 512000 bytes"
    rm -f "$big" "$file"
    run_berth 125 secret create --driver vault x "$file"
    run_berth 125 secret create nofile /no/such/file
    assert "$output" =~ "^Error: open '/no/such/file': No such file or directory"
    run_berth 125 secret inspect nope
    is "$output" "[]
Error: inspecting secret: no secret with name or id \"nope\": no such secret"
    run_berth 125 secret rm nope
    is "$output" 'Error: no secret with name or id "nope": no such secret'
    run_berth secret ls --format '{{.Name}}'
    is "$output" "dup" "nothing half-made"

    run_berth 125 run --rm --secret nope $IMAGE true
    is "$output" 'Error: no secret with name or id "nope": no such secret'
    run_berth 125 run --rm --secret dup,type=file $IMAGE true
    is "$output" "Error: type file is invalid: error parsing secret"
    run_berth 125 run --rm --secret dup,type=env,mode=0400 $IMAGE true
    is "$output" "Error: UID, GID, Mode options cannot be set with secret type env: error parsing secret"
    run_berth ps -a -q
    is "$output" "" "no container made"
}

@test "--secret: readable only at its path, with its mode, read-only; absent from inspect and logs" {
    local file
    file=$(secret_file)
    run_berth secret create tok "$file"
    rm -f "$file"
    # (The container's command must not hold the data: inspect shows it.)
    run_berth run --name sctr --secret tok $IMAGE sh -c \
        'stat -c "%a %u:%g" /run/secrets/tok; wc -c </run/secrets/tok; echo x > /run/secrets/tok || echo read-only'
    is "${lines[0]}" "400 0:0" "mode 0400, root's"
    is "${lines[1]}" "${#DATA}" "the data's size"
    assert "$output" =~ "read-only" "a read-only mount"
    run_berth run --rm --secret tok $IMAGE cat /run/secrets/tok
    is "$output" "$DATA" "the data at /run/secrets/tok"
    run_berth inspect sctr
    assert "$output" !~ "$DATA" "not in inspect"
    run_berth inspect --format '{{range .Config.Secrets}}{{.Name}} {{.UID}} {{.Mode}}{{end}}' sctr
    is "$output" "tok 0 256" "Config.Secrets: the name, owner and mode (0400)"
    run_berth logs sctr
    assert "$output" !~ "$DATA" "not in the logs"
    run grep -rls -- "$DATA" "$BERTH_TEST_ROOT/containers" "$BERTH_TEST_RUNROOT"
    is "$output" "" "not in the container's records"

    # Another user cannot read it unless it is theirs.
    run_berth 1 run --rm -u 1000 --secret tok $IMAGE cat /run/secrets/tok
    assert "$output" =~ "Permission denied"
    run_berth run --rm -u 1000 --secret tok,uid=1000,gid=1000,mode=0440,target=app/key $IMAGE \
        sh -c 'stat -c "%a %u:%g" /run/secrets/app/key; cat /run/secrets/app/key'
    is "${lines[0]}" "440 1000:1000"
    is "${lines[1]}" "$DATA"
    run_berth run --rm --secret tok,target=/etc/tok $IMAGE cat /etc/tok
    is "$output" "$DATA" "an absolute target"
}

@test "--secret type=env: an environment variable, not in inspect" {
    local file
    file=$(secret_file)
    run_berth secret create envtok "$file"
    rm -f "$file"
    run_berth run --name ectr --secret envtok,type=env $IMAGE sh -c 'echo "${#envtok}"; ls /run/secrets 2>&1; true'
    is "${lines[0]}" "${#DATA}" "the variable holds the data"
    assert "${lines[1]}" =~ "No such file" "no file for an env secret"
    run_berth run --rm --secret envtok,type=env,target=TOKEN $IMAGE sh -c '[ "$TOKEN" = "'"$DATA"'" ] && echo same'
    is "$output" "same"
    run_berth inspect ectr
    assert "$output" !~ "$DATA" "not in inspect"
    run grep -rls -- "$DATA" "$BERTH_TEST_ROOT/containers" "$BERTH_TEST_RUNROOT"
    is "$output" "" "not in the container's records"
}

@test "--secret: the data is not in kube generate's output" {
    local file
    file=$(secret_file)
    run_berth secret create ktok "$file"
    rm -f "$file"
    run_berth create --name kctr --secret ktok --secret ktok,type=env,target=KTOK $IMAGE true
    run_berth kube generate kctr
    assert "$output" =~ "kind: Pod" "a pod was generated"
    assert "$output" !~ "$DATA" "not in the YAML"
}
