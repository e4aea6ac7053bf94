#!/usr/bin/env bash
# Runs one build's whole suite twice in a row with a CPU hog beside it (stress-ng --cpu 2), the
# way issue 24 asks every build to hold: `scripts/under-load.sh build|build-asan|build-tsan`
# (RUNS=N for another number of runs).
# The sanitizer builds skip the topology label, as scripts/test.sh does. Prints each run's time;
# exits non-zero on the first failing run. Not part of scripts/test.sh: it doubles CI's time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/under-load.sh build|build-asan|build-tsan}
cd "$root/$dir"
labels=()
case "$dir" in
  build) ;;
  build-asan)
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    labels=(-LE topology) ;;
  build-tsan)
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp"
    labels=(-LE topology) ;;
  *) echo "under-load: unknown build directory $dir" >&2; exit 2 ;;
esac
stress-ng --cpu 2 --timeout 0 --quiet &
hog=$!
trap 'kill "$hog" 2>/dev/null || true; wait "$hog" 2>/dev/null || true' EXIT
for run in $(seq 1 "${RUNS:-2}"); do
  started=$(date +%s)
  ctest --output-on-failure -j "$(nproc)" "${labels[@]}"
  echo "under-load: $dir run $run passed in $(( $(date +%s) - started )) s beside stress-ng --cpu 2"
done
