#!/usr/bin/env bash
# hearth vs llama.cpp on the CPU, side by side in one run: `hearth bench` and
# bench/llamacpp_bench.cpp (the same method, through llama.cpp's C API from
# node-llama-cpp's prebuilt libraries) on the same models, printed as a table
# of pp/tg speeds, their ratios and the speed targets. A benchmark, not a
# test: it prints figures, it does not pass or fail on them.
#
#   bench/compare.sh [-t THREADS] [-r REPS] [-p 512] [-n 128]
#                    [--types F16,Q8_0,Q4_0,Q4_K_M] [--like qwen2.5-0.5b]
#
# Models: `hearth synth --like NAME` writes the F16 model (random weights, the
# real shapes); llama.cpp's own quantizer makes the other types from it. Both
# are cached in build/bench-models and made only when missing. See
# bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEARTH="${HEARTH:-$ROOT/build/hearth}"
MODELS="$ROOT/build/bench-models"

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

physical_cores() {
  local n
  n=$(lscpu -p=CORE,SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l) || n=0
  [ "${n:-0}" -gt 0 ] || n=$(nproc)
  echo "$n"
}

T=$(physical_cores) R=3 P=512 N=128 TYPES=F16,Q8_0,Q4_0,Q4_K_M LIKE=qwen2.5-0.5b
while [ $# -gt 0 ]; do
  case "$1" in
    -t) T="${2:?}"; shift 2 ;;
    -r) R="${2:?}"; shift 2 ;;
    -p) P="${2:?}"; shift 2 ;;
    -n) N="${2:?}"; shift 2 ;;
    --types) TYPES="${2:?}"; shift 2 ;;
    --like) LIKE="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done
for v in "$T" "$R" "$P" "$N"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "not a number: $v" >&2; usage; }
done
[ "$T" -ge 1 ] && [ "$R" -ge 1 ] && [ "$P" -ge 1 ] && [ "$N" -ge 1 ] || { echo "need -t, -r, -p, -n >= 1" >&2; exit 2; }

# --- hearth: the existing binary, never rebuilt here -------------------------
[ -x "$HEARTH" ] || { echo "no hearth binary at $HEARTH: build it first (see README.md)" >&2; exit 1; }
if [ "$HEARTH" = "$ROOT/build/hearth" ]; then
  newer=$(cd "$ROOT" && find src CMakeLists.txt -newer "$HEARTH" -type f 2>/dev/null | head -3 | tr '\n' ' ')
  [ -z "$newer" ] || echo "warning: $HEARTH is older than some sources ($newer...): it may be stale" >&2
fi

# --- llama.cpp: node-llama-cpp's prebuilt libraries, installed once ----------
# shellcheck source=bench/llamacpp-tools.sh
source "$ROOT/bench/llamacpp-tools.sh"
llamacpp_setup
build_llamacpp_tool llamacpp_bench
build_llamacpp_tool llamacpp_quantize

# --- models -----------------------------------------------------------------
mkdir -p "$MODELS"
F16="$MODELS/$LIKE-F16.gguf"
if [ ! -f "$F16" ]; then
  echo "writing $F16 (hearth synth) ..." >&2
  "$HEARTH" synth --like "$LIKE" -o "$F16.part" >&2 && mv "$F16.part" "$F16"
fi
IFS=, read -r -a TYPE_LIST <<<"$TYPES"
for type in "${TYPE_LIST[@]}"; do
  model="$MODELS/$LIKE-$type.gguf"
  [ -f "$model" ] && continue
  echo "quantizing $model (llama.cpp's quantizer) ..." >&2
  "$TOOLS/llamacpp_quantize" "$F16" "$model.part" "$type" "$T" >&2 && mv "$model.part" "$model"
done

# --- the runs ---------------------------------------------------------------
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "$LIKE: -p $P -n $N, $T thread(s), $R repetitions; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)" >&2
run_hearth() {
  "$HEARTH" bench -m "$1" -p "$P" -n "$N" -t "$T" -r "$R" -o json >"$TMP/$2.hearth.json"
}
run_llama() {
  "$TOOLS/llamacpp_bench" -m "$1" -p "$P" -n "$N" -t "$T" -r "$R" >"$TMP/$2.llama.json"
}
i=0
for type in "${TYPE_LIST[@]}"; do
  model="$MODELS/$LIKE-$type.gguf"
  # Alternate which engine goes first, so that neither always meets a warmer
  # or a busier machine.
  if [ $((i % 2)) -eq 0 ]; then
    echo "$type: hearth, then llama.cpp ..." >&2
    run_hearth "$model" "$type" && run_llama "$model" "$type"
  else
    echo "$type: llama.cpp, then hearth ..." >&2
    run_llama "$model" "$type" && run_hearth "$model" "$type"
  fi
  i=$((i + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)" >&2

# --- the table --------------------------------------------------------------
node - "$TMP" "$P" "$N" "$T" "$R" "${TYPE_LIST[@]}" <<'JS'
const fs = require("fs");
const [dir, p, n, threads, reps, ...types] = process.argv.slice(2);
// Speed targets of hearth / llama.cpp (issue 4).
const ppTarget = (type) => (type === "Q4_K_M" || type === "F16" ? 1.3 : 1.0);
const tgTarget = (type) => (type === "Q4_K_M" ? 1.1 : 0.95);
const read = (type, engine) => JSON.parse(fs.readFileSync(`${dir}/${type}.${engine}.json`, "utf8"));
const find = (records, test) => records.find((r) => r.test === test);
const cell = (r) => `${r.t_s.toFixed(2)} ± ${r.stddev.toFixed(2)}`;
const pp = `pp${p}`, tg = `tg${n}`;
const lines = [
  `| type | hearth ${pp} | llama.cpp ${pp} | pp ratio | hearth ${tg} | llama.cpp ${tg} | tg ratio | targets |`,
  "|---|---:|---:|---:|---:|---:|---:|---|",
];
for (const type of types) {
  const h = read(type, "hearth"), l = read(type, "llama");
  const hp = find(h, pp), lp = find(l, pp), ht = find(h, tg), lt = find(l, tg);
  const rp = hp.t_s / lp.t_s, rt = ht.t_s / lt.t_s;
  const verdict = (test, ratio, target) => `${test} ≥${target}×: ${ratio >= target ? "met" : "not met"}`;
  lines.push(`| ${type} | ${cell(hp)} | ${cell(lp)} | ${rp.toFixed(2)}× | ${cell(ht)} | ${cell(lt)} | ${rt.toFixed(2)}× | ` +
             `${verdict("pp", rp, ppTarget(type))}, ${verdict("tg", rt, tgTarget(type))} |`);
}
console.log(lines.join("\n"));
const first = read(types[0], "llama")[0];
console.log(`\nt/s: mean ± sample stddev of ${reps} runs after a warm-up; ${threads} thread(s); ` +
            `ratio: hearth / llama.cpp (ratio of means).`);
console.log(`llama.cpp: ${first.model_type} (${first.cpu_info}), flash attention ${first.flash_attn}, ` +
            `batch ${first.n_batch}/${first.n_ubatch}.`);
JS
