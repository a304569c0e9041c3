#!/usr/bin/env bash
# The client-library tests (tests/server/js): installs their npm packages
# (package-lock.json, once, into BUILD_DIR/server-js, reused while the lock
# file is unchanged), then runs them with node's test runner against
# `hearth serve` started by js/harness.mjs.
#   run-js-tests.sh HEARTH_BINARY BUILD_DIR
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
WORK="$2/server-js"
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed for these tests" >&2; exit 1; }
mkdir -p "$WORK"
if ! cmp -s "$HERE/js/package-lock.json" "$WORK/package-lock.json" || [ ! -d "$WORK/node_modules" ]; then
  cp "$HERE/js/package.json" "$HERE/js/package-lock.json" "$WORK/"
  (cd "$WORK" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The tests run from the install directory so that their imports find the packages.
cp "$HERE"/js/*.mjs "$WORK/"
cd "$WORK"
export HEARTH_BIN="$BIN" HEARTH_SOURCE_DIR="$(cd "$HERE/../.." && pwd)"
exec node --test --test-concurrency=1 ./*.test.mjs
