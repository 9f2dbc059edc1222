#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The CLI's surface: help, version, info, global flags, bad input.

load helpers

# A semantic version, as `berth --version` prints it.
VERSION_RE='[0-9]+\.[0-9]+\.[0-9]+([-+.~][0-9A-Za-z.+~-]*)?'

# Sets $VERSION to the version berth reports about itself (from --version).
function get_version() {
    run_berth --version
    VERSION=${output#berth version }
}


@test "berth --help lists info and version, and no command that does not exist" {
    run_berth --help
    local help=$output
    local commands
    commands=$(listed_commands "$help")
    assert "$commands" != "" "--help has a commands section"
    listed "$commands" info || die "--help does not list 'info'; commands: $commands"
    listed "$commands" version || die "--help does not list 'version'; commands: $commands"

    local cmd
    for cmd in images image rmi tag history load run ps create start stop rm logs pull push login logout; do
        listed "$commands" "$cmd" || die "--help does not list '$cmd'; commands: $commands"
    done
    for cmd in search; do
        if listed "$commands" "$cmd"; then
            die "--help lists '$cmd', which does not exist yet; commands: $commands"
        fi
    done
    # Whatever the layout, no indented line may offer these as commands.
    if grep -Eq '^[[:space:]]+(search)([[:space:]]|$)' <<<"$help"; then
        die "--help has a line offering 'search': $help"
    fi

    # The global flags are documented.
    local flag
    for flag in --root --runroot --log-level --help --version; do
        assert "$help" =~ "$flag" "--help documents $flag"
    done

    # -h is --help.
    run_berth -h
    assert "$output" == "$help" "-h prints the same as --help"
}

@test "berth --version" {
    run_berth --version
    is "$output" "berth version $VERSION_RE" "--version output"
}

@test "berth version: text, json and template agree" {
    get_version
    local version=$VERSION
    assert "$version" =~ "^$VERSION_RE\$" "version from --version"

    run_berth version
    local version_line
    version_line=$(grep -E '^[[:space:]]*Version:' <<<"$output" | head -n 1)
    is "$version_line" "[[:space:]]*Version:[[:space:]]+$version" "'Version:' line of 'berth version'"

    run_berth version --format json
    local json=$output
    run jq -r '.Client.Version' <<<"$json"
    assert "$status" -eq 0 "jq parses 'version --format json': $json"
    is "$output" "$version" ".Client.Version in 'version --format json'"

    run_berth version --format '{{.Client.Version}}'
    is "$output" "$version" "version --format '{{.Client.Version}}'"
}

@test "berth info: YAML-like text with host, store and version" {
    run_berth info
    local key
    for key in host store version; do
        grep -Eq "^$key:" <<<"$output" || die "'berth info' has no top-level key '$key:': $output"
    done
}

@test "berth info --format json: parses, rootless flag matches the user" {
    run_berth info --format json
    local json=$output
    run jq -e . <<<"$json"
    assert "$status" -eq 0 "jq parses 'info --format json': $json"

    local expect_rootless=false
    if is_rootless; then
        expect_rootless=true
    fi

    run jq -r '.host.security.rootless' <<<"$json"
    is "$output" "$expect_rootless" ".host.security.rootless for uid $(id -u)"

    run_berth info --format '{{.Host.Security.Rootless}}'
    is "$output" "$expect_rootless" "info --format '{{.Host.Security.Rootless}}' for uid $(id -u)"

    run jq -r '.store.graphRoot, .store.runRoot' <<<"$json"
    is "$output" "$BERTH_TEST_ROOT"$'\n'"$BERTH_TEST_RUNROOT" ".store.graphRoot and .store.runRoot"
}

@test "berth --root/--runroot are reflected by info" {
    run_berth info --format '{{.Store.GraphRoot}}'
    is "$output" "$BERTH_TEST_ROOT" "{{.Store.GraphRoot}} with --root"
    run_berth info --format '{{.Store.RunRoot}}'
    is "$output" "$BERTH_TEST_RUNROOT" "{{.Store.RunRoot}} with --runroot"

    # Other values than the per-file ones, straight through $BERTH.
    local root=$BATS_TEST_TMPDIR/other-root
    local runroot=$BATS_TEST_TMPDIR/other-runroot
    run "$BERTH" --root "$root" --runroot "$runroot" info --format '{{.Store.GraphRoot}} {{.Store.RunRoot}}'
    assert "$status" -eq 0 "info with --root $root --runroot $runroot: $output"
    is "$output" "$root $runroot" "graphRoot and runRoot with other --root/--runroot"
    _kill_pause "$(_pause_pid "$runroot")"
}

# Runs `$BERTH info --format FORMAT` without --root/--runroot, in a clean
# environment plus the given VAR=value settings, so defaults are computed
# from those alone. Sets $output and $status.
function info_defaults() {
    local format=$1
    shift
    run env -i PATH="$PATH" "$@" "$BERTH" info --format "$format"
    echo "env -i $* $BERTH info --format '$format' → rc=$status: $output"
}

@test "default graphRoot and runRoot as root" {
    skip_if_rootless "root's defaults"

    info_defaults '{{.Store.GraphRoot}}' HOME="$BATS_TEST_TMPDIR/home"
    assert "$status" -eq 0 "info as root with default paths"
    is "$output" "/var/lib/berth" "root's default graphRoot"

    info_defaults '{{.Store.RunRoot}}' HOME="$BATS_TEST_TMPDIR/home"
    assert "$status" -eq 0 "info as root with default paths"
    is "$output" "/run/berth" "root's default runRoot"
}

@test "default graphRoot and runRoot when rootless" {
    skip_if_root "rootless defaults"

    local t=$BATS_TEST_TMPDIR
    mkdir -p "$t/home" "$t/data" "$t/xdg"
    chmod 0700 "$t/xdg"

    # graphRoot: $XDG_DATA_HOME/berth, else $HOME/.local/share/berth.
    info_defaults '{{.Store.GraphRoot}}' HOME="$t/home" XDG_DATA_HOME="$t/data" XDG_RUNTIME_DIR="$t/xdg"
    assert "$status" -eq 0 "info with XDG_DATA_HOME"
    is "$output" "$t/data/berth" "graphRoot with XDG_DATA_HOME set"

    info_defaults '{{.Store.GraphRoot}}' HOME="$t/home" XDG_RUNTIME_DIR="$t/xdg"
    assert "$status" -eq 0 "info without XDG_DATA_HOME"
    is "$output" "$t/home/.local/share/berth" "graphRoot without XDG_DATA_HOME"

    # runRoot: $XDG_RUNTIME_DIR/berth when that dir is the user's.
    info_defaults '{{.Store.RunRoot}}' HOME="$t/home" XDG_DATA_HOME="$t/data" XDG_RUNTIME_DIR="$t/xdg"
    assert "$status" -eq 0 "info with XDG_RUNTIME_DIR"
    is "$output" "$t/xdg/berth" "runRoot with XDG_RUNTIME_DIR set"
    _kill_pause "$(_pause_pid "$t/xdg/berth")"

    # ... else /tmp/berth-run-<uid>: when unset, or not owned by the user.
    local fallback=/tmp/berth-run-$(id -u)
    local had_fallback=
    if [[ -e "$fallback" ]]; then
        had_fallback=1
    fi

    info_defaults '{{.Store.RunRoot}}' HOME="$t/home" XDG_DATA_HOME="$t/data"
    assert "$status" -eq 0 "info without XDG_RUNTIME_DIR"
    is "$output" "$fallback" "runRoot without XDG_RUNTIME_DIR"

    info_defaults '{{.Store.RunRoot}}' HOME="$t/home" XDG_DATA_HOME="$t/data" XDG_RUNTIME_DIR=/
    assert "$status" -eq 0 "info with XDG_RUNTIME_DIR=/ (owned by root)"
    is "$output" "$fallback" "runRoot with an XDG_RUNTIME_DIR the user does not own"

    # Leave nothing behind that was not there before.
    if [[ -z "$had_fallback" && -e "$fallback" ]]; then
        _kill_pause "$(_pause_pid "$fallback")"
        rm -rf "$fallback"
    fi
}

@test "--log-level accepts error, warn, info, debug" {
    get_version
    local version=$VERSION
    local level
    for level in error warn info debug; do
        run_berth --separate-stderr --log-level "$level" version --format '{{.Client.Version}}'
        is "$output" "$version" "stdout of --log-level $level version"
    done
}

# Asserts that the last run_berth --separate-stderr printed exactly one line on
# stderr, starting with "Error: " and matching the given regex.
function expect_one_error_line() {
    local regex=$1
    assert "${#stderr_lines[@]}" -eq 1 "exactly one line on stderr, got: $stderr"
    assert "${stderr_lines[0]}" =~ "^Error: " "stderr starts with 'Error: '"
    assert "${stderr_lines[0]}" =~ "$regex" "error message"
}

@test "unknown flags: exit 125, one 'Error: unknown flag' line" {
    run_berth --separate-stderr 125 --bogus
    expect_one_error_line '^Error: unknown flag: --bogus$'
    assert "$stderr" == "Error: unknown flag: --bogus"

    run_berth --separate-stderr 125 version --bogus
    assert "$stderr" == "Error: unknown flag: --bogus"

    run_berth --separate-stderr 125 info --bogus
    assert "$stderr" == "Error: unknown flag: --bogus"
}

@test "bad --log-level: exit 125, error names the value" {
    run_berth --separate-stderr 125 --log-level loud version
    expect_one_error_line 'loud'
}

@test "bad --format templates: exit 125, error names the problem" {
    run_berth --separate-stderr 125 version --format '{{.Nope}}'
    expect_one_error_line 'Nope'

    run_berth --separate-stderr 125 info --format '{{'
    expect_one_error_line '.'

    run_berth --separate-stderr 125 info --format '{{.Store.Nope}}'
    expect_one_error_line 'Nope'
}

@test "commands that do not exist: exit 125, 'unrecognized command'" {
    local cmd
    for cmd in search "$(safename)"; do
        run_berth --separate-stderr 125 "$cmd"
        assert "$stderr" =~ "Error: unrecognized command" "stderr of 'berth $cmd'"
        assert "${#stderr_lines[@]}" -eq 1 "one line on stderr for 'berth $cmd': $stderr"
    done
}
