#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The installed layout: <prefix>/bin/berth, the helpers in
# <prefix>/libexec/berth/, and a man page for berth and each of its commands.
# Needs $BERTH to be <prefix>/bin/berth (as contrib/test.sh runs it).

load helpers

function skip_unless_installed() {
    if [[ -z "$BERTH_PREFIX" ]]; then
        skip "BERTH=$BERTH is not <prefix>/bin/berth"
    fi
}

@test "helpers are installed in <prefix>/libexec/berth" {
    skip_unless_installed
    local helper
    for helper in berth-monitor berth-pause; do
        local path=$BERTH_PREFIX/libexec/berth/$helper
        [[ -f "$path" && -x "$path" ]] || die "$path is missing or not executable"
    done
}

@test "man pages are installed for berth and each of its commands" {
    skip_unless_installed
    local mandir=$BERTH_PREFIX/share/man/man1
    if [[ -z "${BERTH_EXPECT_MAN:-}" && ! -d "$mandir" ]]; then
        skip "no $mandir (go-md2man missing at build time?); set BERTH_EXPECT_MAN=1 to require it"
    fi

    run_berth --help
    local commands
    commands=$(listed_commands "$output")
    assert "$commands" != "" "--help has a commands section"

    local page cmd
    local pages=(berth)
    for cmd in $commands; do
        [[ "$cmd" == help ]] && continue
        pages+=("berth-$cmd")
    done
    for page in "${pages[@]}"; do
        local path=$mandir/$page.1
        [[ -s "$path" ]] || die "man page $path is missing or empty"
        grep -q '^\.TH ' "$path" || die "$path is not roff (no .TH line)"
    done
}
