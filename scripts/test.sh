#!/usr/bin/env bash
# Newcomer's second command, and what CI runs: install what is needed, build
# the Release binary with the tests and run them all; then build the parsers'
# tests and fuzz targets with AddressSanitizer + UBSan (clang) and run them,
# the fuzzers for a bounded time on their seed corpora.
#   HEARTH_FUZZ_SECONDS  seconds per fuzz target (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh
# llama.cpp's tokenizer test vocabularies (npm package node-llama-cpp, cached in build/).
scripts/fetch-llama-vocabs.sh

echo "== Release build and unit tests" >&2
scripts/build.sh
release_log=$(mktemp)
set +e
ctest --test-dir build --output-on-failure -j"$jobs" 2>&1 | tee "$release_log"
release_status=${PIPESTATUS[0]}
set -e

echo "== AddressSanitizer + UBSan: parser tests (GGUF, tokenizers, chat templates, JSON schemas, model store) and fuzz targets" >&2
cmake -S . -B build-sanitize -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHEARTH_SANITIZE=ON -DHEARTH_FUZZ=ON -DHEARTH_TEST_LAYERS="gguf;tokenizer;chat;sampling;store" >/dev/null
cmake --build build-sanitize -j"$jobs" --target test_gguf test_tokenizer test_chat test_sampling test_store \
  gguf_fuzz json_schema_fuzz
sanitize_log=$(mktemp)
set +e
ctest --test-dir build-sanitize --output-on-failure -j"$jobs" 2>&1 | tee "$sanitize_log"
sanitize_status=${PIPESTATUS[0]}
scripts/fuzz-gguf.sh build-sanitize "${HEARTH_FUZZ_SECONDS:-60}"
fuzz_status=$?
scripts/fuzz.sh build-sanitize json_schema_fuzz "${HEARTH_FUZZ_SECONDS:-60}" || fuzz_status=1
set -e

# One closing line over everything that ran.
count() { sed -n "s/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p" "$1" | tail -1; }
read -r rf rt <<<"$(count "$release_log")"
read -r sf st <<<"$(count "$sanitize_log")"
rf=${rf:-1}; rt=${rt:-1}; sf=${sf:-1}; st=${st:-1}
failed=$((rf + sf + (fuzz_status != 0)))
passed=$((rt - rf + st - sf + (fuzz_status == 0)))
rm -f "$release_log" "$sanitize_log"
echo "tests: $passed passed, $failed failed"
[ "$release_status" -eq 0 ] && [ "$sanitize_status" -eq 0 ] && [ "$fuzz_status" -eq 0 ]
