#!/usr/bin/env bash
# Runs one libFuzzer target of a sanitizer build (configured with
# -DHEARTH_FUZZ=ON -DHEARTH_SANITIZE=ON and clang) for a bounded time on its
# seed corpus. Exits non-zero on any finding; the failing input is saved
# under BUILD_DIR/<target>-artifacts/ and can be replayed with
#   BUILD_DIR/fuzz/<target> BUILD_DIR/<target>-artifacts/crash-...
#
#   scripts/fuzz.sh BUILD_DIR json_schema_fuzz [SECONDS]     (default 60)
#
# (The GGUF target has its own script, scripts/fuzz-gguf.sh, which also
# writes its seeds.)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:?BUILD_DIR}
target=${2:?TARGET}
seconds=${3:-60}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
case "$seconds" in '' | *[!0-9]*) echo "fuzz: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac
case "$target" in
  json_schema_fuzz) seeds="$root/fuzz/json_schema_corpus" ;;
  *) echo "fuzz: no seed corpus known for $target" >&2; exit 2 ;;
esac
cmake --build "$build" --target "$target" -j "${JOBS:-2}" >/dev/null
corpus="$build/$target-corpus"      # what libFuzzer finds; kept between runs
artifacts="$build/$target-artifacts"
mkdir -p "$corpus" "$artifacts"
status=0
"$build/fuzz/$target" "$corpus" "$seeds" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "fuzz: $target FINDING (exit $status); inputs in $artifacts/" >&2
  exit "$status"
fi
echo "fuzz: $target: no findings in ${seconds}s"
