#!/usr/bin/env bash
# Checks (and where it can, installs) what the build and the tests need from the
# machine: Go and Rust toolchains are expected; Debian packages are installed with
# apt-get when missing and running as root. Idempotent and quiet when all is there.
set -euo pipefail

missing=()
command -v go >/dev/null || { echo "go is required (the control plane is built from Go modules)" >&2; exit 1; }
command -v cargo >/dev/null || { echo "cargo is required" >&2; exit 1; }
# The test command checks formatting and lints; the toolchain is the machine's own.
cargo fmt --version >/dev/null 2>&1 || { echo "rustfmt is required (rustup component add rustfmt)" >&2; exit 1; }
cargo clippy --version >/dev/null 2>&1 || { echo "clippy is required (rustup component add clippy)" >&2; exit 1; }
# setpriv (util-linux) ties every test control-plane process to its parent's life.
command -v setpriv >/dev/null || missing+=(util-linux)
command -v curl >/dev/null || missing+=(curl)
# pgrep: hack/test.sh's check that no test process outlived the tests.
command -v pgrep >/dev/null || missing+=(procps)
# script(1): the plugin's terminal tests run it under a pseudo-terminal.
command -v script >/dev/null || missing+=(bsdutils)
# The backup agent's tests read its archives with Python's zipfile, Odoo's own reader.
command -v python3 >/dev/null || missing+=(python3)
# PostgreSQL server binaries: tests start their own throw-away servers with initdb
# and postgres from /usr/lib/postgresql/<version>/bin (tests/src/postgres.rs).
pg_missing=false
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { pg_missing=true; missing+=(postgresql); }

if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        if $pg_missing; then
            # Only the binaries are wanted: no system cluster on port 5432.
            mkdir -p /etc/postgresql-common/createcluster.d
            echo 'create_main_cluster = false' \
                >/etc/postgresql-common/createcluster.d/no-main-cluster.conf
        fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "missing packages: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi
