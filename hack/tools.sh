#!/usr/bin/env bash
# Builds the control-plane binaries the tests and the demo run (kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, etcd, kwok) and the S3 server of
# the backup tests (versitygw) from their Go modules
# into a cache outside the repository, keyed by version. Idempotent: a warm run only
# checks that each binary answers `--version`.
#
# Usage: hack/tools.sh            build what is missing, print the binary directory
#        hack/tools.sh --print    print the binary paths as shell assignments
#
# Cache root: $ODOO_TOOLS_CACHE, default ~/.cache/odoo-operator/tools.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

cache=${ODOO_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/odoo-operator/tools}
k8s_dir=$cache/kubernetes-$KUBERNETES_VERSION
etcd_dir=$cache/etcd-$ETCD_VERSION
kwok_dir=$cache/kwok-$KWOK_VERSION
versitygw_dir=$cache/versitygw-$VERSITYGW_VERSION
helm_dir=$cache/helm-$HELM_VERSION

if [[ ${1:-} == --print ]]; then
    echo "KUBE_APISERVER=$k8s_dir/kube-apiserver"
    echo "KUBE_CONTROLLER_MANAGER=$k8s_dir/kube-controller-manager"
    echo "KUBE_SCHEDULER=$k8s_dir/kube-scheduler"
    echo "KUBECTL=$k8s_dir/kubectl"
    echo "ETCD=$etcd_dir/etcd"
    echo "KWOK=$kwok_dir/kwok"
    echo "KWOK_CONFIG=$kwok_dir/kwok.yaml"
    echo "VERSITYGW=$versitygw_dir/versitygw"
    echo "HELM=$helm_dir/helm"
    exit 0
fi

# The project's Go builds use the machine's Go; no toolchain download.
export GOTOOLCHAIN=local
export GOFLAGS=-buildvcs=false

log() { printf '[tools] %s\n' "$*" >&2; }

# True when every named binary exists and reports its version (a half-written file
# from an interrupted build does not). kubectl has no --version flag.
have() {
    local bin
    for bin in "$@"; do
        [[ -x $bin ]] || return 1
        "$bin" --version >/dev/null 2>&1 || "$bin" version --client >/dev/null 2>&1 || return 1
    done
}

build_kubernetes() {
    local bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
    have "${bins[@]/#/$k8s_dir/}" && { log "kubernetes $KUBERNETES_VERSION: cached"; return; }
    log "kubernetes $KUBERNETES_VERSION: building (cold builds take a while)"
    local minor=${KUBERNETES_VERSION#v1.}
    minor=${minor%%.*}
    local staging_version=v0.${KUBERNETES_VERSION#v1.}
    local work=$cache/src/kubernetes-$KUBERNETES_VERSION
    mkdir -p "$work"
    # k8s.io/kubernetes replaces each staging module with a path inside its own tree, so
    # it only builds from a wrapper that points every staging module at its published tag.
    # The list comes from the pinned version's own go.mod, so a new staging module
    # cannot be missed.
    local gomod
    gomod=$(cd "$work" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" |
        sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    local staging
    staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$gomod" | sort -u)
    [[ -n $staging ]] || { log "no staging modules found in $gomod"; exit 1; }
    local godebug
    godebug=$(sed -n 's/^godebug \(.*\)/\1/p' "$gomod")
    local goline
    goline=$(sed -n 's/^go \(.*\)/\1/p' "$gomod")
    {
        echo "module odoo-operator.dev/tools/kubernetes"
        echo
        echo "go $goline"
        # A dependency's godebug line is ignored; the wrapper must repeat it.
        [[ -n $godebug ]] && echo "godebug $godebug"
        echo
        echo "tool ("
        for b in "${bins[@]}"; do echo "    k8s.io/kubernetes/cmd/$b"; done
        echo ")"
        echo
        echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
        echo
        echo "replace ("
        for m in $staging; do echo "    $m => $m $staging_version"; done
        echo ")"
    } >"$work/go.mod"
    log "wrapper replaces $(wc -w <<<"$staging") staging modules with $staging_version"
    (cd "$work" && go mod tidy)
    local date
    date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    local ldflags="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1"
        ldflags+=" -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
    done
    mkdir -p "$k8s_dir"
    for b in "${bins[@]}"; do
        have "$k8s_dir/$b" && continue
        log "  go build $b"
        (cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" \
            -o "$k8s_dir/$b.partial" "k8s.io/kubernetes/cmd/$b")
        mv "$k8s_dir/$b.partial" "$k8s_dir/$b"
    done
}

build_etcd() {
    have "$etcd_dir/etcd" && { log "etcd $ETCD_VERSION: cached"; return; }
    log "etcd $ETCD_VERSION: building"
    local work=$cache/src/etcd-$ETCD_VERSION
    mkdir -p "$work"
    # go.etcd.io/etcd/server/v3 is the etcd main package, but its go.mod replaces the
    # sibling modules with relative paths; pin each of them to the same tag instead.
    cat >"$work/go.mod" <<EOF
module odoo-operator.dev/tools/etcd

go 1.24

tool go.etcd.io/etcd/server/v3

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

replace (
    go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD_VERSION
    go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
    go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD_VERSION
    go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
)
EOF
    (cd "$work" && go mod tidy)
    mkdir -p "$etcd_dir"
    # Go would name the binary "server" after the path element before /v3.
    (cd "$work" && CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" \
        -o "$etcd_dir/etcd.partial" go.etcd.io/etcd/server/v3)
    mv "$etcd_dir/etcd.partial" "$etcd_dir/etcd"
}

# Copies a kwok stage, adding a selector expression that skips pods whose first
# container runs one of the images given.
exclude() {
    local values='' image
    for image in "$@"; do values+="\\n      - '$image'"; done
    sed "/matchExpressions:/a\\    - key: '.spec.containers.[0].image'\\n      operator: 'NotIn'\\n      values:$values"
}

# The agent's pods carry this label (odoo_model::labels::AGENT_LABEL) whatever their
# image: the local-pods harness (tests/src/local_pods.rs) runs the real agent for
# them, and hack/kwok-stages.yaml ends them as it says.
agent_label_key='.metadata.labels["odoo-operator.dev/agent"]'

# Copies a kwok stage, adding a selector expression that skips the agent's pods.
exclude_agent_pods() {
    sed "/matchExpressions:/a\\    - key: '$agent_label_key'\\n      operator: 'DoesNotExist'"
}

# Pods of an `odoo:18.0` image (the tag 18.0 or 18.0-...) that run `odoo` run the
# real Odoo: the local-pods harness starts them (their status is its), runs their
# command, probes their readiness, and ends Job pods as the agent's (kwok's
# selector keys are jq expressions). An agent pod of that image is not one of them.
real_odoo_key='(.spec.containers.[0].image | test("^odoo:18[.]0(-|$)")) and .spec.containers.[0].command == ["odoo"]'

# Copies a kwok stage, adding a selector expression that skips those pods.
exclude_real_odoo_pods() {
    sed "/matchExpressions:/a\\    - key: '$real_odoo_key'\\n      operator: 'NotIn'\\n      values:\\n      - 'true'"
}

# Job pods that run `odoo` (init, upgrade), whatever their image, run in the
# local-pods harness too: the real Odoo for an odoo:18.0 image, a stand-in that
# writes what Odoo's init or update leaves for a simulated one. kwok completing one
# would be an init or an upgrade that never ran.
odoo_command_key='.spec.containers.[0].command == ["odoo"]'

# Copies a kwok stage, adding a selector expression that skips pods running `odoo`.
exclude_odoo_pods() {
    sed "/matchExpressions:/a\\    - key: '$odoo_command_key'\\n      operator: 'NotIn'\\n      values:\\n      - 'true'"
}

build_kwok() {
    # The configuration is generated from this script and the project's stages, so
    # their content is its cache key, written into it: an edit here, another
    # checkout's configuration in the shared cache or a fresh clone's newer file
    # times each get the right answer (times alone cannot tell checkouts apart).
    local key
    key=$(cat "${BASH_SOURCE[0]}" "$here/kwok-stages.yaml" | sha256sum | cut -d' ' -f1)
    if have "$kwok_dir/kwok" && [[ $(head -1 "$kwok_dir/kwok.yaml" 2>/dev/null) == "# cache key: $key" ]]; then
        log "kwok $KWOK_VERSION: cached"
        return
    fi
    mkdir -p "$kwok_dir"
    if have "$kwok_dir/kwok"; then
        log "kwok $KWOK_VERSION: cached; its configuration changed, regenerating it"
    else
        log "kwok $KWOK_VERSION: building"
        # kwok depends only on published k8s.io modules, so a plain install works.
        GOBIN=$kwok_dir.partial CGO_ENABLED=0 go install -trimpath \
            -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
            "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
        mv "$kwok_dir.partial/kwok" "$kwok_dir/kwok"
        rmdir "$kwok_dir.partial"
    fi
    # kwok run alone (without kwokctl) needs its stages in its configuration: take
    # the pinned module's own defaults: nodes become Ready and keep a lease
    # heartbeat, pods become Ready, pods owned by Jobs complete, claims of the
    # kwok-volume StorageClass are provisioned and bound.
    local src
    src=$(cd "$kwok_dir" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" |
        sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    {
        echo "# cache key: $key"
        cat <<'EOF'
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  nodeLeaseDurationSeconds: 40
  nodeLeaseParallelism: 4
  nodePlayStageParallelism: 4
  podPlayStageParallelism: 4
  podsOnNodeSyncParallelism: 4
EOF
        for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
            pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml \
            volume/fast/pvc-provision.yaml volume/fast/pv-bind.yaml volume/fast/pvc-delete.yaml \
            volume/fast/pv-delete.yaml; do
            printf -- '---\n'
            case $f in
            # Leave the project's test images and the agent's pods (hack/kwok-stages.yaml)
            # to their stages: kwok completing an agent pod would be a backup or a
            # restore that never ran.
            pod/fast/pod-ready.yaml)
                exclude 'simulated/odoo:19.0-never-ready' <"$src/kustomize/stage/$f" | exclude_real_odoo_pods
                ;;
            pod/fast/pod-complete.yaml)
                exclude_agent_pods <"$src/kustomize/stage/$f" | exclude_odoo_pods
                ;;
            *) cat "$src/kustomize/stage/$f" ;;
            esac
        done
        cat "$here/kwok-stages.yaml"
    } >"$kwok_dir/kwok.yaml.partial"
    mv "$kwok_dir/kwok.yaml.partial" "$kwok_dir/kwok.yaml"
}

build_versitygw() {
    have "$versitygw_dir/versitygw" && { log "versitygw $VERSITYGW_VERSION: cached"; return; }
    log "versitygw $VERSITYGW_VERSION: building"
    mkdir -p "$versitygw_dir"
    # A real S3 gateway over a plain directory (posix backend): the backup agent's
    # multipart uploads and ranged reads are tested against it, not against a mock.
    # Its go.mod has no replace directives, so a plain install works.
    GOBIN=$versitygw_dir.partial CGO_ENABLED=0 go install -trimpath \
        -ldflags "-s -w -X main.Version=$VERSITYGW_VERSION -X main.Build=$VERSITYGW_VERSION" \
        "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
    mv "$versitygw_dir.partial/versitygw" "$versitygw_dir/versitygw"
    rmdir "$versitygw_dir.partial"
}

build_helm() {
    have "$helm_dir/helm" && { log "helm $HELM_VERSION: cached"; return; }
    log "helm $HELM_VERSION: building"
    mkdir -p "$helm_dir"
    # helm's go.mod has no replace directives, so a plain install works. The version
    # is stamped so `helm version` and the chart's `helm lint` report it; the
    # Kubernetes version lint and `helm template` assume is the one the tests run.
    local minor=${KUBERNETES_VERSION#v1.}
    minor=${minor%%.*}
    local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
    ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
    for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
        ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
    done
    GOBIN=$helm_dir.partial CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" \
        "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
    mv "$helm_dir.partial/helm" "$helm_dir/helm"
    rmdir "$helm_dir.partial"
}

start=$SECONDS
build_etcd
build_kwok
build_versitygw
build_helm
build_kubernetes
log "done in $((SECONDS - start))s; binaries under $cache"
