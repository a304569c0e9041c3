#!/usr/bin/env bash
# Newcomer's first command: install what is needed, build, and let the bundled
# model tell a short story.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
HEARTH_TESTS=OFF scripts/build.sh --target hearth
echo "--- hearth run models/stories260K.gguf \"Once upon a time\"" >&2
build/hearth run models/stories260K.gguf -n 120 --seed 42 "Once upon a time"
