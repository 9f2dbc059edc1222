#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Build and install berth from this checkout, then run it once.
#
#   contrib/quickstart.sh                 # installs into /usr/local
#   PREFIX=$HOME/.local contrib/quickstart.sh
#
# Debian 12 (or a close relative with apt). Uses sudo for apt-get (and for the
# install when PREFIX is not writable) unless run as root.
#
# Environment: PREFIX (default /usr/local), BUILDDIR (default
# build-quickstart, inside the repo).

set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
BUILDDIR=${BUILDDIR:-build-quickstart}

# What building berth needs, and what running it rootless needs (uidmap:
# newuidmap/newgidmap).
PACKAGES=(
    meson ninja-build pkg-config g++
    libseccomp-dev libcap-dev libyaml-cpp-dev libfmt-dev libcli11-dev catch2
    libcurl4-openssl-dev nlohmann-json3-dev libarchive-dev libssl-dev
    go-md2man uidmap
)

SUDO=
if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
fi

function step() {
    echo
    echo "==> $*"
}

function install_packages() {
    step "Installing build packages"
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        echo "all present"
        return
    fi
    echo "installing: ${missing[*]}"
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
}

function build() {
    step "Building into $BUILDDIR (prefix $PREFIX)"
    local dir=$REPO/$BUILDDIR
    if [[ -f "$dir/meson-private/coredata.dat" ]]; then
        meson setup --reconfigure "$dir" "$REPO" --prefix "$PREFIX" \
            --buildtype=release -Dtests=false
    else
        meson setup "$dir" "$REPO" --prefix "$PREFIX" \
            --buildtype=release -Dtests=false
    fi
    meson compile -C "$dir"
}

function install() {
    step "Installing into $PREFIX"
    local dir=$REPO/$BUILDDIR
    local sudo=
    mkdir -p "$PREFIX" 2>/dev/null || true
    if [[ ! -w "$PREFIX" ]]; then
        sudo=$SUDO
    fi
    $sudo meson install -C "$dir" --no-rebuild
}

# The job berth is for. Today berth has no images and no `run` yet, so this
# only shows that the installed binary works.
# TODO(run hello): when `berth run` and the offline busybox fixture image
# exist, replace the body with loading that image and
#   "$berth" run --rm <image> echo hello
# (this is the one function to fill in).
function run_main_job() {
    local berth=$PREFIX/bin/berth
    step "Running $berth version"
    "$berth" version
}

install_packages
build
install
run_main_job

echo
echo "berth is installed in $PREFIX/bin/berth (man pages: man berth)."
