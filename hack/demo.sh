#!/usr/bin/env bash
# The demo: from a fresh clone, build everything, start the simulated cluster
# (etcd, kube-apiserver, controller-manager, scheduler, kwok) and a PostgreSQL server
# on 127.0.0.1, run the operator against them, create an Odoo instance with the
# kubectl plugin and follow it until it is Ready.
#
#   hack/demo.sh         run the demo (a second run reuses every cache)
#   hack/demo.sh down    stop the operator and the simulated cluster
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
state=${ODOO_DEV_CLUSTER_DIR:-$HOME/.cache/odoo-operator/dev-cluster}
start=$SECONDS
step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

stop_operator() {
    if [[ -f $state/operator.pid ]] && kill -0 "$(cat "$state/operator.pid")" 2>/dev/null; then
        kill "$(cat "$state/operator.pid")"
    fi
    rm -f "$state/operator.pid"
}

if [[ ${1:-} == down ]]; then
    stop_operator
    exec "$root/target/debug/odoo-dev-cluster" down
fi

step "prerequisites and control-plane binaries"
hack/prereqs.sh
hack/tools.sh
eval "$(hack/tools.sh --print)"

step "building the operator, the plugin and the dev-cluster tool"
cargo build --workspace --bins --locked

step "starting the simulated cluster"
export KUBECONFIG
KUBECONFIG=$("$root/target/debug/odoo-dev-cluster" up)
# kubectl finds the plugin on PATH, exactly as after a krew install.
bindir=$state/bin
mkdir -p "$bindir"
ln -sf "$root/target/debug/kubectl-odoo" "$bindir/kubectl-odoo"
ln -sf "$KUBECTL" "$bindir/kubectl"
export PATH=$bindir:$PATH

step "running the operator out of cluster"
stop_operator
"$root/target/debug/odoo-operator" --kubeconfig "$KUBECONFIG" --health-addr 127.0.0.1:18080 \
    --namespace odoo-operator --default-image odoo:18.0-20251001 >"$state/operator.log" 2>&1 &
echo $! >"$state/operator.pid"
for _ in $(seq 1 60); do
    curl -fsS http://127.0.0.1:18080/readyz >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fsS http://127.0.0.1:18080/readyz >/dev/null || { tail -20 "$state/operator.log"; exit 1; }
echo "operator ready (log: $state/operator.log)"

step "kubectl odoo version"
kubectl odoo version

step "kubectl odoo create demo"
kubectl delete odoo demo --ignore-not-found >/dev/null
kubectl odoo create demo --image odoo:18.0-20251001 --host demo.localhost --replicas 2

step "following demo to Ready (database provisioned on PostgreSQL, init job, web and cron rolled out)"
# Follows phase, conditions, children and warnings live; exits 0 once Running (for
# the spec just written), 3 if it fails instead, 4 on timeout.
kubectl odoo status demo --watch --for ready --timeout 3m
kubectl get events --field-selector involvedObject.name=demo --sort-by=.lastTimestamp \
    -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message

step "kubectl odoo list  /  its children"
kubectl odoo list -o wide
kubectl get odooinitjobs,deployments,pods,pvc,secrets -l odoo-operator.dev/instance=demo

cat <<MSG

Demo finished in $((SECONDS - start))s. The cluster and the operator keep running:

  export KUBECONFIG=$KUBECONFIG PATH=$bindir:\$PATH
  kubectl odoo list
  kubectl scale odoo/demo --replicas=0     # -> Stopped; cron stops too
  kubectl get odoo demo -o yaml            # the defaults the operator wrote into the spec
  kubectl explain odooinstance.spec
  kubectl odoo create shop --image odoo:18.0-20251001 --dry-run=server -o yaml

Stop everything with: hack/demo.sh down
MSG
