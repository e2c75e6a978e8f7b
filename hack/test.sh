#!/usr/bin/env bash
# The project's test command (README, .ci/run): builds the cached control-plane
# binaries if needed, then format check, clippy with -D warnings, and every test,
# unit and integration, against real etcd / kube-apiserver / kwok processes.
# TEST_JOBS sets how many test binaries run at once (hack/run-tests.py).
# Every phase prints how long it took; the last line gives build, test and total
# seconds, whether the run passed or not.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

start=$SECONDS
phase=""
phase_start=$SECONDS
build_seconds=0
test_seconds=0

# Ends the running phase: prints its time and adds it to the build or test sum.
end_phase() {
    [ -n "$phase" ] || return 0
    local took=$((SECONDS - phase_start))
    printf '    %s took %ss\n' "$phase" "$took" >&2
    case "$phase" in
        "cargo test") test_seconds=$((test_seconds + took)) ;;
        "build"*) build_seconds=$((build_seconds + took)) ;;
    esac
    phase=""
}

step() {
    end_phase
    phase=$*
    phase_start=$SECONDS
    printf '\n==> %s\n' "$*" >&2
}

summary() {
    local status=$?
    end_phase
    local verdict="passed"
    [ "$status" -eq 0 ] || verdict="FAILED (exit $status)"
    printf '\n%s: build %ss, test %ss, total %ss\n' "$verdict" "$build_seconds" "$test_seconds" \
        "$((SECONDS - start))" >&2
    [ -z "${run_tmp:-}" ] || rm -rf "$run_tmp"
}
trap summary EXIT

step "prerequisites"
hack/prereqs.sh

step "build: control-plane binaries (hack/tools.sh)"
hack/tools.sh

step "build: Odoo 18.0 runtime (hack/odoo.sh)"
hack/odoo.sh >/dev/null

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Test state (and so every test process's command line) lives under a directory of
# this run only: the leftover check below cannot mistake another run's processes,
# a concurrent test run or the demo's, for ours.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/odoo-test-run.XXXXXX")
# PostgreSQL runs as an unprivileged user when the tests run as root: it must be
# able to reach its directory below this one.
chmod 755 "$run_tmp"
export TMPDIR=$run_tmp

step "build: binaries and test binaries"
# Everything is compiled before any test's timer starts: the tests start the
# workspace's binaries as they are.
cargo build --workspace --bins --locked
cargo test --workspace --locked --no-run

step "cargo test"
# Every test binary, several at a time (TEST_JOBS, 3 by default), longest first;
# then the doc tests.
hack/run-tests.py
cargo test --workspace --locked --doc

step "no control-plane process outlived the tests"
# A missing pgrep would make the check below pass without looking.
command -v pgrep >/dev/null || { echo "pgrep (procps) is required; hack/prereqs.sh installs it" >&2; exit 1; }
if leftovers=$(pgrep -af "$run_tmp/" | grep -E 'etcd|kube-|kwok|postgres|versitygw'); then
    echo "leftover processes:" >&2
    echo "$leftovers" >&2
    exit 1
fi
