#!/usr/bin/env bash
# Fuzzes the GGUF reader (and the writer and `inspect` formatting on what it
# accepts) with libFuzzer under ASan + UBSan.
#
#   scripts/fuzz-gguf.sh [BUILD_DIR] [SECONDS]      (defaults: build-fuzz, 60)
#
# Needs clang++ and libFuzzer (Debian 12: clang libclang-rt-14-dev), cmake,
# and the libraries the tree needs (nlohmann-json3-dev, libcli11-dev, ...).
# Exits non-zero on any finding; the failing input is saved under
# BUILD_DIR/gguf-artifacts/ and can be replayed with
#   BUILD_DIR/fuzz/gguf_fuzz BUILD_DIR/gguf-artifacts/crash-...
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build-fuzz}
seconds=${2:-60}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
case "$seconds" in '' | *[!0-9]*) echo "fuzz-gguf: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac

if ! command -v clang++ >/dev/null; then
  echo "fuzz-gguf: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

cmake -S "$root" -B "$build" \
  -DCMAKE_CXX_COMPILER=clang++ -DHEARTH_FUZZ=ON -DHEARTH_SANITIZE=ON -DHEARTH_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Only the fuzz target: the rest of the tree need not build here.
cmake --build "$build" --target gguf_fuzz -j "${JOBS:-2}"

fuzzer="$build/fuzz/gguf_fuzz"
seeds="$build/gguf-seeds"        # rewritten on every run
corpus="$build/gguf-corpus"      # what libFuzzer finds; kept between runs
artifacts="$build/gguf-artifacts"
rm -rf "$seeds"
mkdir -p "$corpus" "$artifacts"

# Seeds: the real files (whole, plus miniatures with arrays and tensors cut
# down), small writer-made files of every value type, and truncated and
# bit-flipped copies of them. The shared test files are used when present.
shopt -s nullglob
real=("$root"/models/*.gguf "$root"/tests/data/*.gguf "$root"/../shared/models/*.gguf "$root"/../shared/vocab/*.gguf)
"$fuzzer" --write-seeds "$seeds" "${real[@]}"

# -max_len=65536: the real files are up to megabytes (the Qwen2 vocabulary
# is 5.9 MB), and parsing one whole at every execution would make the run
# hundreds of times slower. 64 KiB holds the miniatures and all synthetic
# seeds whole, and large seeds are cut to their first 64 KiB, which still
# covers their header and the first thousands of vocabulary strings; bigger
# inputs only repeat the same loops.
# -timeout=10: a single input taking seconds is a finding (a hang or blow-up).
status=0
"$fuzzer" "$corpus" "$seeds" \
  -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "fuzz-gguf: FINDING (exit $status); inputs in $artifacts/" >&2
  exit "$status"
fi
echo "fuzz-gguf: no findings in ${seconds}s"
