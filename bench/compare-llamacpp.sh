#!/usr/bin/env bash
# Compares hearth's prompt-processing (pp) and generation (tg) speed with
# llama.cpp's on the same GGUF model, on this machine's CPU. A benchmark, not a
# test: it prints figures, it does not pass or fail on them.
#
#   bench/compare-llamacpp.sh [MODEL.gguf] [-p PROMPT_TOKENS] [-n GEN_TOKENS]
#                             [-t THREADS] [-r REPS] [-c CTX]
#
# llama.cpp is the prebuilt CPU build shipped by the npm package node-llama-cpp,
# installed once (no download of llama.cpp, no compilation) into
# build/bench-node (git-ignored; HEARTH_BENCH_NODE_DIR overrides it).
# See bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEARTH="${HEARTH:-$ROOT/build/hearth}"
NODE_DIR="${HEARTH_BENCH_NODE_DIR:-$ROOT/build/bench-node}"
NLC_VERSION="${NLC_VERSION:-3.22.1}"  # node-llama-cpp version to install

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

physical_cores() {
  local n
  n=$(lscpu -p=CORE,SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l) || n=0
  [ "${n:-0}" -gt 0 ] || n=$(nproc)
  echo "$n"
}

MODEL="$ROOT/models/stories260K.gguf"
P=128 N=128 T=$(physical_cores) R=3 CTX=0
while [ $# -gt 0 ]; do
  case "$1" in
    -p) P="${2:?}"; shift 2 ;;
    -n) N="${2:?}"; shift 2 ;;
    -t) T="${2:?}"; shift 2 ;;
    -r) R="${2:?}"; shift 2 ;;
    -c) CTX="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) MODEL="$1"; shift ;;
  esac
done
for v in "$P" "$N" "$T" "$R" "$CTX"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "not a number: $v" >&2; usage; }
done
[ "$P" -ge 2 ] && [ "$N" -ge 2 ] && [ "$T" -ge 1 ] && [ "$R" -ge 1 ] || { echo "need -p >= 2, -n >= 2, -t >= 1, -r >= 1" >&2; exit 2; }
[ "$CTX" -gt 0 ] || CTX=$(( (P + N + 16 + 255) / 256 * 256 ))  # llama.cpp rounds to 256 anyway
[ -f "$MODEL" ] || { echo "no model file: $MODEL" >&2; exit 1; }

# --- hearth: the existing binary, never rebuilt here -------------------------
[ -x "$HEARTH" ] || { echo "no hearth binary at $HEARTH: build it first (see README.md)" >&2; exit 1; }
if [ "$HEARTH" = "$ROOT/build/hearth" ]; then
  newer=$(cd "$ROOT" && find src CMakeLists.txt -newer "$HEARTH" -type f 2>/dev/null | head -3 | tr '\n' ' ')
  [ -z "$newer" ] || echo "warning: $HEARTH is older than some sources ($newer...): it may be stale" >&2
fi

# --- llama.cpp: node-llama-cpp, installed once, nothing downloaded or built --
command -v node >/dev/null || { echo "node (>= 20) is needed for the llama.cpp side" >&2; exit 1; }
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLATFORM_PKG=@node-llama-cpp/linux-x64 ;;
  Linux-aarch64) PLATFORM_PKG=@node-llama-cpp/linux-arm64 ;;
  *) echo "no prebuilt CPU package of node-llama-cpp chosen for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
installed_version() {
  node -e 'try { console.log(require(process.argv[1]).version) } catch { }' \
    "$NODE_DIR/node_modules/node-llama-cpp/package.json" 2>/dev/null
}
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true  # documented: no llama.cpp download/build at install or run time
export NODE_LLAMA_CPP_GPU=false
if [ "$(installed_version)" != "$NLC_VERSION" ] || [ ! -d "$NODE_DIR/node_modules/$PLATFORM_PKG/bins" ]; then
  echo "installing node-llama-cpp@$NLC_VERSION and $PLATFORM_PKG into $NODE_DIR ..." >&2
  mkdir -p "$NODE_DIR"
  # --omit=optional skips the GPU (CUDA/Vulkan) binary packages; the CPU one is
  # named explicitly. --ignore-scripts: no postinstall (which could download or
  # compile llama.cpp).
  npm install --prefix "$NODE_DIR" --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error \
    "node-llama-cpp@$NLC_VERSION" "$PLATFORM_PKG@$NLC_VERSION" >&2
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The prompt: this text, repeated and cut to P tokens (with BOS) by the model's
# tokenizer in llama.cpp; hearth gets the same text.
cat >"$TMP/text.txt" <<'EOF'
Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her
friends. One day, she saw a big red ball under a tree. She wanted to play with it, but it was too high.
Lily asked her mom for help. Her mom smiled and said, "Let's get it together." They found a long stick
and pushed the ball down. Lily was very happy. She said thank you to her mom and played with the ball
all day. When the sun went down, they walked home and ate warm soup. Lily went to bed and dreamed of
the big red ball and the tall tree in the park.
EOF
LLAMA_BENCH=(node "$ROOT/bench/llamacpp-bench.mjs" --node-dir "$NODE_DIR" --model "$MODEL")
"${LLAMA_BENCH[@]}" --text-file "$TMP/text.txt" -p "$P" --emit-prompt >"$TMP/prompt.txt"
PROMPT=$(cat "$TMP/prompt.txt")

# CPU jiffies from /proc/stat: "BUSY TOTAL" (all CPUs).
cpu_ticks() {
  local f i total=0
  f=($(head -1 /proc/stat))
  for ((i = 1; i <= 8 && i < ${#f[@]}; i++)); do total=$((total + f[i])); done
  echo "$((total - f[4] - f[5])) $total"
}
# CPU ticks used by this script's finished children (cutime + cstime).
own_ticks() { local f; f=($(sed 's/^.*) //' /proc/$$/stat)); echo $((f[13] + f[14])); }
# Percentage of the CPU busy over half a second.
cpu_busy() {
  local a b
  a=($(cpu_ticks)); sleep 0.5; b=($(cpu_ticks))
  echo $(( b[1] > a[1] ? 100 * (b[0] - a[0]) / (b[1] - a[1]) : 0 ))
}
[ -r /proc/stat ] || { cpu_ticks() { echo "0 0"; }; own_ticks() { echo 0; }; cpu_busy() { echo 0; }; }

echo "model: $MODEL  prompt: $P tokens  generate: $N tokens  threads: $T  reps: $R  ctx: $CTX" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")" >&2

# Repetitions alternate between the engines so that a change in machine load
# hits both alike. Each line of $TMP/results: ENGINE pp|tg TOKENS RATE.
# "others": the share of the CPU that other processes used during a
# repetition. BENCH_WAIT_IDLE=S (seconds, in all): wait for a quiet CPU
# before each repetition, and redo repetitions that others disturbed (>= 10%).
: >"$TMP/results"
max_others=0
deadline=$((SECONDS + ${BENCH_WAIT_IDLE:-0}))
i=1
while [ "$i" -le "$R" ]; do
  while [ "$SECONDS" -lt "$deadline" ] && [ "$(cpu_busy)" -ge 10 ]; do sleep 2; done
  : >"$TMP/rep"
  t0=($(cpu_ticks)) o0=$(own_ticks)
  "$HEARTH" run "$MODEL" --verbose --temp 0 -n "$N" -t "$T" -c "$CTX" -p "$PROMPT" >/dev/null 2>"$TMP/hearth.err" ||
    { cat "$TMP/hearth.err" >&2; exit 1; }
  awk '/^prompt eval count:/ {pc=$4} /^prompt eval rate:/ {pr=$4} /^eval count:/ {ec=$3} /^eval rate:/ {er=$3}
       END { if (pr == "" || er == "") exit 1; print "hearth pp", pc, pr; print "hearth tg", ec, er }' \
    "$TMP/hearth.err" >>"$TMP/rep" || { echo "could not parse hearth's --verbose timings:" >&2; cat "$TMP/hearth.err" >&2; exit 1; }
  # one llama.cpp process per repetition (each does an unreported warm-up run first)
  "${LLAMA_BENCH[@]}" --text-file "$TMP/prompt.txt" -n "$N" -t "$T" -r 1 -c "$CTX" 2>"$TMP/llama.err" | sed 's/^/llama.cpp /' >>"$TMP/rep" ||
    { cat "$TMP/llama.err" >&2; exit 1; }
  t1=($(cpu_ticks)) o1=$(own_ticks)
  others=$(( t1[1] > t0[1] ? 100 * ((t1[0] - t0[0]) - (o1 - o0)) / (t1[1] - t0[1]) : 0 ))
  [ "$others" -ge 0 ] || others=0
  [ "$i" -gt 1 ] || [ -s "$TMP/results" ] || grep -v '^llama.cpp warm-up' "$TMP/llama.err" >&2
  line="$(tr '\n' ' ' <"$TMP/rep")"
  if [ "$others" -ge 10 ] && [ "$SECONDS" -lt "$deadline" ]; then
    echo "rep $i (others: $others%, redone): $line" >&2
    continue
  fi
  echo "rep $i (others: $others%): $line" >&2
  cat "$TMP/rep" >>"$TMP/results"
  [ "$others" -le "$max_others" ] || max_others=$others
  i=$((i + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")" >&2

awk -v P="$P" -v N="$N" -v T="$T" -v R="$R" '
  { k = $1 " " $2; n[k]++; s[k] += $4; ss[k] += $4 * $4; tok[k] = tok[k] ((k in seen) ? "," : "") $3; seen[k] = 1 }
  function mean(k) { return s[k] / n[k] }
  function sd(k,   m, v) { if (n[k] < 2) return 0; m = mean(k); v = (ss[k] - n[k] * m * m) / (n[k] - 1); return v > 0 ? sqrt(v) : 0 }
  function cell(k) { return sprintf("%.1f ± %.1f", mean(k), sd(k)) }
  function uniq(list,   a, i, c, out, u) { c = split(list, a, ","); out = ""; for (i = 1; i <= c; i++) if (!(a[i] in u)) { u[a[i]] = 1; out = out (out == "" ? "" : "/") a[i] } return out }
  function row(name, a, b) { printf "| %s | %s (%s) | %s (%s) |\n", name, cell(a), uniq(tok[a]), cell(b), uniq(tok[b]) }
  function ratio(name, a, b) { printf "| %s | %.2f× | %.2f× |\n", name, mean("hearth pp") / mean(a), mean("hearth tg") / mean(b) }
  END {
    printf "\n| engine | pp t/s (prompt tokens) | tg t/s (generated tokens) |\n|---|---:|---:|\n"
    row("hearth", "hearth pp", "hearth tg")
    row("llama.cpp", "llama.cpp pp", "llama.cpp tg")
    ratio("hearth / llama.cpp", "llama.cpp pp", "llama.cpp tg")
    if (n["llama.cpp pp-own"] > 0) {
      row("llama.cpp, own timers (decode only)", "llama.cpp pp-own", "llama.cpp tg-own")
      ratio("hearth / llama.cpp own timers", "llama.cpp pp-own", "llama.cpp tg-own")
    }
    printf "\nmean ± sample stddev of %d runs each, %d thread(s); asked for -p %d -n %d.\n", R, T, P, N
    if (n["llama.cpp pp-own"] > 0)
      printf "own timers: llama.cpp'"'"'s llama_perf counters, i.e. llama_decode time without Node.js, N-API and sampling.\n"
  }' "$TMP/results"
if [ "$max_others" -ge 10 ]; then
  echo "warning: other processes used up to $max_others% of the CPU during a repetition: the figures are unreliable" \
       "(llama.cpp's threads spin-wait at each barrier and suffer most when a core is taken)." >&2
fi
if awk -v N="$N" '$1 == "hearth" && $2 == "tg" && $3 < N { bad = 1 } END { exit !bad }' "$TMP/results"; then
  echo "note: hearth stopped before $N tokens (end of generation) in some runs; its tg is over fewer tokens." >&2
fi
