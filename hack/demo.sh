#!/usr/bin/env bash
# The demo: from a fresh clone, build everything, start the simulated cluster
# (etcd, kube-apiserver, controller-manager, scheduler, kwok), a PostgreSQL server and
# an S3 server on 127.0.0.1, run the operator against them, create an Odoo instance
# with the kubectl plugin, follow it until it is Ready, back it up to S3 and print
# what to try next. Re-running it against the running cluster starts the demo
# instance afresh.
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
        local pid
        pid=$(cat "$state/operator.pid")
        kill "$pid"
        # Its health port must be free before the next one binds it.
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -f "$state/operator.pid"
}

if [[ ${1:-} == down ]]; then
    stop_operator
    exec "$root/target/debug/odoo-dev-cluster" down
fi

cat >&2 <<'MSG'
The simulated cluster has no container runtime: kwok plays the kubelet. What runs
for real: every Odoo pod of the odoo:18.0 instance. The local-pods harness runs
Odoo 18.0 itself, from hack/odoo.sh, with the pod's own command, odoo.conf and
filestore directory. The init and upgrade Jobs run to their end. The web and cron
servers keep running, each on a loopback address of its own, Ready by their probe.
Every agent pod (backup, restore, copy) runs too: the harness runs odoo-agent.
All of them talk to the real PostgreSQL and S3 servers.
MSG

step "prerequisites, control-plane binaries and Odoo 18.0"
hack/prereqs.sh
hack/tools.sh
eval "$(hack/tools.sh --print)"
hack/odoo.sh >/dev/null

step "building the operator, the agent, the plugin and the dev-cluster tool"
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

# Odoo 18.0, whose init and upgrade Jobs run the real Odoo here; also the operator's
# default for instances created while trying things.
image=odoo:18.0
step "running the operator out of cluster"
stop_operator
"$root/target/debug/odoo-operator" --kubeconfig "$KUBECONFIG" --health-addr 127.0.0.1:18080 \
    --namespace odoo-operator --default-image "$image" >"$state/operator.log" 2>&1 &
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
# A second run starts afresh: the instance of the last run, the copy a restore may
# have made of it, and their jobs go first (deleting an instance waits for the
# operator to drop its database).
kubectl delete odoobackupschedules,odoobackupjobs,odoorestorejobs,odooupgradejobs \
    -l 'odoo-operator.dev/instance in (demo,demo-copy)' --ignore-not-found >/dev/null
kubectl delete odoo demo demo-copy --ignore-not-found >/dev/null
# Their claims went with them; so do the local directories standing for them.
rm -rf "$state/volumes/claims/demo-filestore" "$state/volumes/claims/demo-copy-filestore"
kubectl odoo create demo --image "$image" --host demo.localhost --replicas 2

step "following demo to Ready (database provisioned on PostgreSQL, Odoo's own init, web and cron rolled out)"
# Follows phase, conditions, children and warnings live; exits 0 once Running (for
# the spec just written), 3 if it fails instead, 4 on timeout.
kubectl odoo status demo --watch --for ready --timeout 10m
kubectl get events --field-selector involvedObject.name=demo --sort-by=.lastTimestamp \
    -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message

step "kubectl odoo list  /  its children"
kubectl odoo list -o wide
kubectl get odooinitjobs,deployments,pods,pvc,secrets -l odoo-operator.dev/instance=demo

step "what Odoo's init left: its modules, in the database, and its filestore"
# Read with the connection Odoo itself read from the instance's odoo.conf.
conf=$(kubectl get secret demo-config -o jsonpath='{.data.odoo\.conf}' | base64 -d)
option() { sed -n "s/^$1 = //p" <<<"$conf" | head -1; }
db=$(option db_name)
psql=$(compgen -G '/usr/lib/postgresql/*/bin/psql' | sort -V | tail -1)
PGHOST=$(option db_host) PGPORT=$(option db_port) PGUSER=$(option db_user) \
    PGPASSWORD=$(option db_password) PGDATABASE=$db PGSSLMODE=$(option db_sslmode) \
    "$psql" -X -c "SELECT name, state, latest_version FROM ir_module_module WHERE state = 'installed' ORDER BY name"
echo "filestore: $(find "$state/volumes/claims/demo-filestore" -type f | wc -l) files under $state/volumes/claims/demo-filestore"
# Where Odoo serves, as `kubectl odoo status` says: the Ready web pods' addresses
# (loopback addresses here, reachable from this machine).
kubectl odoo status demo
url=$(kubectl odoo status demo | sed -n 's/^ *serving at \([^,]*\).*/\1/p' | head -1)
[ -n "$url" ] || { echo "kubectl odoo status says no web pod serves" >&2; exit 1; }
printf '%s/web/health says %s\n' "$url" "$(curl -fsS "$url/web/health")"
printf 'JSON-RPC common.version: %s\n' "$(curl -fsS -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","method":"call","id":1,"params":{"service":"common","method":"version","args":[]}}' \
    "$url/jsonrpc")"

step "kubectl odoo backup create demo --wait  (pg_dump and filestore, zipped and streamed to S3)"
# The S3 server's endpoint, bucket and credentials Secret, written by odoo-dev-cluster.
# shellcheck source=/dev/null
source "$state/s3.env"
kubectl odoo backup create demo --s3-endpoint "$S3_ENDPOINT" --bucket "$S3_BUCKET" \
    --credentials-secret "$S3_SECRET" --wait --timeout 5m
kubectl odoo backup list demo
backup=$(kubectl get odoobackupjobs -l odoo-operator.dev/instance=demo \
    --sort-by=.metadata.creationTimestamp -o jsonpath='{.items[-1:].metadata.name}')

step "kubectl odoo backup download $backup  (checks the archive's SHA-256)"
kubectl odoo backup download "$backup" "$state/demo-backup.zip" --force
ls -l "$state/demo-backup.zip"

cat <<MSG

Demo finished in $((SECONDS - start))s. The cluster and the operator keep running.

Odoo 18.0 serves the demo at $url: its login page is $url/web/login
(user admin, password admin: what Odoo's own init gives its admin user; change it
there first).

Try:

  export KUBECONFIG=$KUBECONFIG PATH=$bindir:\$PATH
  kubectl odoo status demo --watch                  # live view; Ctrl-C to leave
  kubectl odoo restore demo --from-backup $backup --into demo-copy --neutralize --yes --wait
  kubectl odoo upgrade demo --modules base --wait    # an upgrade Job: Odoo's own -u base
  kubectl odoo stop demo --wait                      # -> Stopped; cron stops too
  kubectl odoo start demo --wait
  kubectl odoo backup schedule demo --cron '*/5 * * * *' --keep-last 3   # to the same bucket
  kubectl odoo list -o wide
  kubectl get odoo demo -o yaml                      # the defaults the operator wrote into the spec
  tail -f $state/operator.log                        # the operator's log (it runs out of cluster)

Stop everything with: hack/demo.sh down
MSG
