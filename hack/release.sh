#!/usr/bin/env bash
# Builds the release binaries of the operator and the plugin as static executables
# and puts into dist/ (gitignored):
#   odoo-operator-linux-amd64            the operator   } what the Containerfile
#   odoo-agent-linux-amd64               the job agent  } copies
#   odoo-operator-linux-amd64.tar.gz
#   kubectl-odoo-linux-amd64.tar.gz      the plugin, as krew installs it
#   SHA256SUMS
#   krew/odoo.yaml                       plugins/krew/odoo.yaml with this build's sha256
#
# Static, so the operator runs on a distroless/static (or scratch) image and the
# plugin on any Linux: the musl target when rustup has it or can add it; otherwise
# glibc with `+crt-static` (static-pie, no loader needed). Either way the script
# refuses to finish unless `ldd` calls the binaries static.
#
# Only linux/amd64 is built here: the other platforms of the krew manifest keep
# their placeholder until a release runs on (or cross-builds for) them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
dist=$root/dist
log() { printf '[release] %s\n' "$*" >&2; }

target=x86_64-unknown-linux-musl
# ring compiles C and assembly: the musl target also needs musl's C compiler
# (Debian: musl-tools).
if command -v x86_64-linux-musl-gcc >/dev/null &&
    { rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"; }; then
    log "target $target"
else
    # No musl standard library or compiler (rustup offline, no musl-tools): glibc's
    # static libc is part of libc6-dev, and rustc links it statically with +crt-static.
    target=x86_64-unknown-linux-gnu
    export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static"
    log "musl target unavailable; $target with +crt-static"
fi

cargo build --release --locked --target "$target" -p odoo-operator -p odoo-agent -p kubectl-odoo --bins
out=$root/target/$target/release

rm -rf "$dist"
mkdir -p "$dist/krew"
for bin in odoo-operator odoo-agent kubectl-odoo; do
    # ldd exits non-zero for static files; its message is what matters.
    verdict=$(ldd "$out/$bin" 2>&1 || true)
    case $verdict in
    *"not a dynamic executable"* | *"statically linked"*) ;;
    *) log "$bin is not static: $verdict"; exit 1 ;;
    esac
    cp "$out/$bin" "$dist/$bin-linux-amd64"
    stage=$(mktemp -d)
    cp "$out/$bin" "$stage/$bin"
    cp README.md "$stage/"
    tar -C "$stage" --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$dist/$bin-linux-amd64.tar.gz" "$bin" README.md
    rm -rf "$stage"
    log "$bin: $(stat -c %s "$out/$bin") bytes (stripped), $verdict"
done

(cd "$dist" && sha256sum odoo-operator-linux-amd64 odoo-agent-linux-amd64 ./*.tar.gz | sed 's# \./# #' >SHA256SUMS)
plugin_sum=$(sha256sum "$dist/kubectl-odoo-linux-amd64.tar.gz" | cut -d' ' -f1)
sed -e "s/SHA256_LINUX_AMD64/$plugin_sum/" \
    -e "s#/v[0-9][0-9.]*/kubectl-odoo-#/v$version/kubectl-odoo-#" \
    -e "s/^  version: v.*/  version: v$version/" \
    plugins/krew/odoo.yaml >"$dist/krew/odoo.yaml"
log "wrote $dist (version $version)"
cat "$dist/SHA256SUMS"
