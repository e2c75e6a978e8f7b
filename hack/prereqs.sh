#!/usr/bin/env bash
# Checks (and where it can, installs) what the build and the tests need from the
# machine: Go and Rust toolchains are expected; Debian packages are installed with
# apt-get when missing and running as root. Idempotent and quiet when all is there.
set -euo pipefail

missing=()
command -v go >/dev/null || { echo "go is required (the control plane is built from Go modules)" >&2; exit 1; }
command -v cargo >/dev/null || { echo "cargo is required" >&2; exit 1; }
# setpriv (util-linux) ties every test control-plane process to its parent's life.
command -v setpriv >/dev/null || missing+=(util-linux)
command -v curl >/dev/null || missing+=(curl)

if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "missing packages: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi
