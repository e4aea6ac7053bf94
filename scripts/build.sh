#!/usr/bin/env bash
# Builds nessus-mcp. Usage: scripts/build.sh [release|asan|tsan]
#   release  g++, warnings as errors, RelWithDebInfo, into build/
#   asan     clang with AddressSanitizer + UndefinedBehaviorSanitizer, into build-asan/
#   tsan     clang with ThreadSanitizer, into build-tsan/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-release}
jobs=$(nproc)
case "$kind" in
  release)
    cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=g++ -DNMCP_WERROR=ON >/dev/null
    cmake --build "$root/build" -j "$jobs"
    ;;
  asan)
    cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_COMPILER=clang++ -DNMCP_WERROR=ON -DNMCP_BUILD_BENCH=OFF \
      "-DNMCP_SANITIZE=address;undefined" >/dev/null
    cmake --build "$root/build-asan" -j "$jobs"
    ;;
  tsan)
    cmake -S "$root" -B "$root/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_COMPILER=clang++ -DNMCP_WERROR=ON -DNMCP_BUILD_BENCH=OFF \
      -DNMCP_SANITIZE=thread >/dev/null
    cmake --build "$root/build-tsan" -j "$jobs"
    ;;
  *)
    echo "usage: scripts/build.sh [release|asan|tsan]" >&2
    exit 2
    ;;
esac
