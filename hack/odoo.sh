#!/usr/bin/env bash
# Sets up the real Odoo that the simulated cluster runs for pods of an `odoo:18.0`
# image (tests/src/local_pods.rs): Odoo's source unpacked and a Python virtualenv
# with the packages of hack/odoo/requirements.lock (then hack/odoo/runtime-pins.txt),
# in the tools cache, keyed by the source's sha256 and those files'. Idempotent: a
# warm run only checks that the cached `odoo-bin --version` answers.
#
# Usage: hack/odoo.sh            set up what is missing, print the runtime directory
#        hack/odoo.sh --print    print the runtime's paths as shell assignments
#
# Source: $ODOO_SOURCE, a tarball path or an http(s) URL. Default: Odoo 18.0's
# source tarball beside the checkout (../shared/odoo/odoo-18.0-community.tar.xz)
# when it exists, else Odoo's published 18.0 source tarball.
# Cache root: $ODOO_TOOLS_CACHE, default ~/.cache/odoo-operator/tools.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${ODOO_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/odoo-operator/tools}
published=https://nightly.odoo.com/18.0/nightly/tgz/odoo_18.0.latest.tar.gz
beside=$here/../../shared/odoo/odoo-18.0-community.tar.xz
source=${ODOO_SOURCE:-}
if [[ -z $source ]]; then
    if [[ -f $beside ]]; then source=$(cd "$(dirname "$beside")" && pwd)/$(basename "$beside"); else source=$published; fi
fi

log() { printf '[odoo] %s\n' "$*" >&2; }

# A URL is fetched once into the cache; its sha256 keys the runtime either way.
tarball=$source
if [[ $source == http://* || $source == https://* ]]; then
    tarball=$cache/downloads/odoo-$(printf '%s' "$source" | sha256sum | cut -c1-16).tar
    if [[ ! -s $tarball ]]; then
        log "fetching $source"
        mkdir -p "$cache/downloads"
        curl -fsSL --retry 3 -o "$tarball.part" "$source" \
            || { log "cannot fetch $source: set ODOO_SOURCE to a local Odoo 18.0 source tarball"; exit 1; }
        mv "$tarball.part" "$tarball"
    fi
fi
[[ -f $tarball ]] || { log "no Odoo source at $tarball (ODOO_SOURCE)"; exit 1; }

key=$(cat "$tarball" "$here/odoo/requirements.lock" "$here/odoo/build-constraints.txt" \
    "$here/odoo/runtime-pins.txt" | sha256sum | cut -c1-16)
dir=$cache/odoo-18.0-$key

if [[ ${1:-} == --print ]]; then
    echo "ODOO_RUNTIME=$dir"
    echo "ODOO_PYTHON=$dir/venv/bin/python"
    echo "ODOO_BIN=$dir/src/odoo-bin"
    exit 0
fi

ready() {
    [[ -f $dir/.complete ]] && "$dir/venv/bin/python" "$dir/src/odoo-bin" --version 2>/dev/null | grep -q '^Odoo Server 18\.0'
}

if ready; then
    log "Odoo 18.0 ($key): cached"
    echo "$dir"
    exit 0
fi

log "Odoo 18.0 ($key): unpacking $(basename "$tarball") and installing its Python packages"
# Built in place (a virtualenv records its own path); .complete is written last, so
# an interrupted run is started over.
rm -rf "$dir"
mkdir -p "$dir/src"
# The published tarball and ours name their top directory differently: strip it.
tar -xf "$tarball" -C "$dir/src" --strip-components=1
[[ -f $dir/src/odoo-bin ]] || { log "$tarball holds no odoo-bin at its top directory"; exit 1; }
python3 -m venv "$dir/venv"
# Some old sdists of the lock build only with an older setuptools.
PIP_CONSTRAINT=$here/odoo/build-constraints.txt PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$dir/venv/bin/pip" install -q -r "$here/odoo/requirements.lock"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/venv/bin/pip" install -q -r "$here/odoo/runtime-pins.txt"
touch "$dir/.complete"
ready || { log "the installed Odoo does not answer odoo-bin --version"; exit 1; }
log "Odoo 18.0 ($key): ready"
echo "$dir"
