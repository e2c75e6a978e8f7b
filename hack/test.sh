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
cargo build --workspace --bins --locked
cargo test --workspace --locked --no-fail-fast

step "no control-plane process outlived the tests"
if leftovers=$(pgrep -af 'odoo-operator-control-planes/|odoo-operator-postgres/' | grep -E 'etcd|kube-|kwok|postgres'); then
    echo "leftover processes:" >&2
    echo "$leftovers" >&2
    exit 1
fi

echo "all checks passed in $((SECONDS - start))s" >&2
