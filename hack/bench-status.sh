#!/usr/bin/env bash
# Wall time of `kubectl odoo status NAME` against `kubectl get odooinstance NAME -o yaml`
# on the same API server: RUNS runs of each (default 20), median and p95 in ms.
#
#   hack/bench-status.sh              start a private simulated cluster and the
#                                     operator, create a Running instance, measure,
#                                     stop everything
#   KUBECONFIG=… hack/bench-status.sh NAME [NAMESPACE]
#                                     measure an existing instance on that server
#
# Needs `cargo build --workspace --bins` first. Both commands run through kubectl's
# plugin discovery, as a user runs them; the difference is what `status` reads
# beyond the object (Deployments and init jobs by label, the claim, warning events).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
runs=${RUNS:-20}
eval "$(hack/tools.sh --print)"
bindir=$(mktemp -d)
ln -s "$root/target/debug/kubectl-odoo" "$bindir/kubectl-odoo"
ln -s "$KUBECTL" "$bindir/kubectl"
export PATH=$bindir:$PATH

own_cluster=
operator_pid=
cleanup() {
    [[ -n $operator_pid ]] && kill "$operator_pid" 2>/dev/null || true
    [[ -n $own_cluster ]] && "$root/target/debug/odoo-dev-cluster" down >/dev/null 2>&1 || true
    rm -rf "$bindir"
}
trap cleanup EXIT

if [[ $# -ge 1 ]]; then
    name=$1
    namespace=${2:-default}
else
    export ODOO_DEV_CLUSTER_DIR=$root/target/bench-cluster
    own_cluster=1
    export KUBECONFIG
    KUBECONFIG=$("$root/target/debug/odoo-dev-cluster" up)
    "$root/target/debug/odoo-operator" --kubeconfig "$KUBECONFIG" --health-addr 127.0.0.1:0 \
        --namespace odoo-operator >"$ODOO_DEV_CLUSTER_DIR/operator.log" 2>&1 &
    operator_pid=$!
    name=bench
    namespace=default
    kubectl odoo create "$name" -n "$namespace" --image simulated/odoo:18.0-20251001 --replicas 2 >/dev/null
    kubectl odoo status "$name" -n "$namespace" --for ready --timeout 3m >/dev/null
fi

# Milliseconds of each of $runs runs of the command, one a line.
measure() {
    local start end
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        "$@" >/dev/null
        end=$(date +%s%N)
        echo $(((end - start) / 1000000))
    done
}

# "median N ms, p95 N ms" of the numbers on stdin (nearest rank).
summary() {
    sort -n | awk '{ v[NR] = $1 } END {
        m = int((NR + 1) / 2); p = int(NR * 0.95 + 0.999)
        printf "median %4d ms   p95 %4d ms   (%d runs)\n", v[m], v[p], NR }'
}

# One untimed run of each: the plugin binary and kubectl's discovery cache warm up.
kubectl odoo status "$name" -n "$namespace" >/dev/null
kubectl get odooinstance "$name" -n "$namespace" -o yaml >/dev/null

printf '%-46s %s\n' "kubectl odoo status $name" \
    "$(measure kubectl odoo status "$name" -n "$namespace" | summary)"
printf '%-46s %s\n' "kubectl get odooinstance $name -o yaml" \
    "$(measure kubectl get odooinstance "$name" -n "$namespace" -o yaml | summary)"
