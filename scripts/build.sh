#!/usr/bin/env bash
# Configures and builds the Release binary in build/ (tests included unless
# HEARTH_TESTS=OFF is passed through the environment).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DHEARTH_TESTS="${HEARTH_TESTS:-ON}" >/dev/null
cmake --build build -j"$jobs" "$@"
