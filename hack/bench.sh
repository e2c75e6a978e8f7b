#!/usr/bin/env bash
# The scale benchmark: N OdooInstances on the simulated cluster, reconciled by the
# operator, against a "floor" client that applies the same child objects directly.
# Prints one table per N and writes every figure to bench/bench.json in cargo's
# target directory (CARGO_TARGET_DIR when set, else target/).
#
#   hack/bench.sh                       N = 100 and 1000 (about 40 minutes on 2 cores)
#   hack/bench.sh --instances 1000 --namespaces 100   the tenant layout
#   hack/bench.sh --instances 100       one count
#   hack/bench.sh --idle 30 --json F    shorter idle window, other JSON file
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

hack/prereqs.sh
hack/tools.sh
# Optimised builds: the figures are the operator's as it ships, not a debug build's.
cargo build --release --locked -p odoo-operator -p odoo-bench --bin odoo-operator --bin odoo-bench
target=${CARGO_TARGET_DIR:-target}
mkdir -p "$target/bench"
args=("$@")
[[ " ${args[*]} " == *" --json "* ]] || args+=(--json "$target/bench/bench.json")
exec "$target/release/odoo-bench" run "${args[@]}"
