#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Developer shortcut (not used by CI): run system tests against the build
# tree, as root or as the rootless test user.
#
#   contrib/dev-bats.sh [--user] [--build DIR] tests/system/020-load.bats ...
#
# Fixtures are built once into /tmp/berth-dev-fixtures (or $BERTH_DEV_FIXTURES). --user runs bats as
# `berthtest` (created by contrib/test.sh) with its own XDG_RUNTIME_DIR.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
user=
build=$repo/build
while [[ $# -gt 0 ]]; do
    case $1 in
    --user) user=berthtest; shift ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    *) break ;;
    esac
done
fixtures=${BERTH_DEV_FIXTURES:-/tmp/berth-dev-fixtures}
if [[ ! -r $fixtures/digests.env ]]; then
    "$repo/tests/fixtures/make-images.sh" "$fixtures" >/dev/null
    chmod -R a+rX "$fixtures"
fi
files=()
for f in "$@"; do files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
cd "$repo/tests/system"
if [[ -n $user ]]; then
    uid=$(id -u "$user")
    mkdir -p "/run/user/$uid" && chown "$user:" "/run/user/$uid" && chmod 0700 "/run/user/$uid"
    exec runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" \
        USER="$user" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
        XDG_RUNTIME_DIR="/run/user/$uid" BERTH="$build/src/cli/berth" \
        BERTH_FIXTURES="$fixtures" KUBE_MODELS_DIR="${KUBE_MODELS_DIR:-}" bats "${files[@]}"
fi
BERTH="$build/src/cli/berth" BERTH_FIXTURES="$fixtures" exec bats "${files[@]}"
