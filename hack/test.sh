#!/usr/bin/env bash
# The project's test command (README, .ci/run): builds the cached control-plane
# binaries if needed, then format check, clippy with -D warnings, and every test,
# unit and integration, against real etcd / kube-apiserver / kwok processes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }
start=$SECONDS

step "prerequisites"
hack/prereqs.sh

step "control-plane binaries (hack/tools.sh)"
hack/tools.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
# Test state (and so every test process's command line) lives under a directory of
# this run only: the leftover check below cannot mistake another run's processes,
# a concurrent test run or the demo's, for ours.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/odoo-test-run.XXXXXX")
# PostgreSQL runs as an unprivileged user when the tests run as root: it must be
# able to reach its directory below this one.
chmod 755 "$run_tmp"
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR=$run_tmp
cargo build --workspace --bins --locked
cargo test --workspace --locked --no-fail-fast

step "no control-plane process outlived the tests"
# A missing pgrep would make the check below pass without looking.
command -v pgrep >/dev/null || { echo "pgrep (procps) is required; hack/prereqs.sh installs it" >&2; exit 1; }
if leftovers=$(pgrep -af "$run_tmp/" | grep -E 'etcd|kube-|kwok|postgres|versitygw'); then
    echo "leftover processes:" >&2
    echo "$leftovers" >&2
    exit 1
fi

echo "all checks passed in $((SECONDS - start))s" >&2
