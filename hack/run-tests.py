#!/usr/bin/env python3
"""Runs every test binary of the workspace, several at a time.

hack/test.sh compiles them first (`cargo test --no-run`); this lists them from
cargo's JSON messages (a no-op build) and runs them the way `cargo test` would
(in the package's directory), but up to TEST_JOBS at once (3 by default): most
integration tests wait on the control plane, PostgreSQL or the operator, so on
two cores several binaries overlap well. Each binary starts its own control plane
and claims its ports (tests/src/process.rs), so they do not meet.

Binaries run longest first, by the durations the last run recorded in
test-durations.json in cargo's target directory. Each binary's output is printed whole when it ends,
with its time; the exit status is 1 when any failed, and the failed ones are
listed at the end (like `cargo test --no-fail-fast`).
"""

import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Beside the binaries: CARGO_TARGET_DIR when set (a relative one is taken from the
# workspace, as cargo does), else the workspace's target/.
DURATIONS = ROOT / os.environ.get("CARGO_TARGET_DIR", "target") / "test-durations.json"


def test_binaries():
    """(name, executable, package directory) of every test binary, as cargo built them."""
    out = subprocess.run(
        ["cargo", "test", "--workspace", "--locked", "--no-run", "--message-format=json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        check=True,
    )
    found = []
    for line in out.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact" or not message.get("executable"):
            continue
        if not message["profile"]["test"]:
            continue
        target = message["target"]
        package_dir = pathlib.Path(message["manifest_path"]).parent
        name = f"{package_dir.name}/{target['kind'][0]}/{target['name']}"
        found.append((name, message["executable"], package_dir))
    return found


def main():
    jobs = int(os.environ.get("TEST_JOBS", "3"))
    binaries = test_binaries()
    try:
        previous = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        previous = {}
    # Longest first; a binary without a figure counts as long.
    binaries.sort(key=lambda b: -previous.get(b[0], 1e9))
    print(f"running {len(binaries)} test binaries, {jobs} at a time", file=sys.stderr, flush=True)

    lock = threading.Lock()
    durations = {}
    failed = []

    def run(binary):
        name, executable, cwd = binary
        started = time.monotonic()
        done = subprocess.run(
            [executable],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        took = time.monotonic() - started
        with lock:
            durations[name] = round(took, 1)
            verdict = "ok" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
            if done.returncode != 0:
                failed.append(name)
            sys.stdout.write(f"\n──── {name}: {verdict} in {took:.1f}s\n")
            sys.stdout.write(done.stdout.decode(errors="replace"))
            sys.stdout.flush()

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(run, binaries))

    DURATIONS.write_text(json.dumps({**previous, **durations}, indent=1, sort_keys=True))
    print("\ntest binaries by time:", file=sys.stderr)
    for name, took in sorted(durations.items(), key=lambda d: -d[1]):
        print(f"  {took:7.1f}s  {name}", file=sys.stderr)
    if failed:
        print(f"\n{len(failed)} test binaries failed: {', '.join(sorted(failed))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
