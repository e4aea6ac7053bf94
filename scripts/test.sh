#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: source checks (format, layering), then
# the whole suite (unit, integration, golden, e2e with the official MCP clients, conformance)
# on the g++ build with the deployment checks (scripts/check-deploy.sh), again on a clang
# ASan+UBSan build, and once more on a ThreadSanitizer build. The long process-level runs (label topology) run on the g++ build only. Exits non-zero
# on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s)

"$root/scripts/install-deps.sh"

echo "== source checks"
"$root/scripts/check-format.sh"
"$root/scripts/check-layering.sh"

echo "== build (g++, -Werror)"
"$root/scripts/build.sh" release
echo "== tests (g++ build)"
(cd build && ctest --output-on-failure -j "$(nproc)")
echo "== deployment files (compose, Prometheus, runtime libraries, real scrapes)"
"$root/scripts/check-deploy.sh" "$root/build"

echo "== build (clang, ASan + UBSan)"
"$root/scripts/build.sh" asan
echo "== tests (ASan + UBSan build)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j "$(nproc)" -LE topology)

echo "== build (clang, ThreadSanitizer)"
"$root/scripts/build.sh" tsan
echo "== tests (TSan build)"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp" \
  bash -c 'cd build-tsan && ctest --output-on-failure -j "$(nproc)" -LE topology'

echo "== all tests passed in $(( $(date +%s) - started )) s"
