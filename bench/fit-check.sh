#!/usr/bin/env bash
# hearth fit's predictions against measurement on this machine: for each
# model, `hearth fit --json` (pp512, tg128, memory) beside `hearth bench -o
# json` (the same tests) and the bench's peak resident set (ru_maxrss of the
# child, as VmHWM), printed as a markdown table of predicted vs measured with
# ratios (predicted / measured; the targets: speed within 25%, memory within
# 10%). A benchmark, not a test: it prints figures, it does not fail on them.
#
#   bench/fit-check.sh [-r REPS] [-t THREADS] [--refresh] [--models like:TYPE,...]
#
# Models: `hearth synth --like NAME --type TYPE` (real shapes, random
# weights), cached in $MODELS (default build/bench-models) as
# synth-NAME-TYPE.gguf and made only when missing. --refresh measures the
# machine again first (`hearth hw --refresh`). $HEARTH picks the binary
# (default build/hearth). The machine's load average is printed before and
# after: on a busy machine measured speeds fall below the predictions, which
# assume the cores to themselves.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEARTH="${HEARTH:-$ROOT/build/hearth}"
MODELS="${MODELS:-$ROOT/build/bench-models}"
R=3 T="" REFRESH=0
SPECS="qwen2.5-0.5b:Q4_0,qwen2.5-0.5b:Q8_0,qwen2.5-0.5b:F16,qwen2.5-1.5b:Q4_K_M"

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    -r) R="${2:?}"; shift 2 ;;
    -t) T="${2:?}"; shift 2 ;;
    --refresh) REFRESH=1; shift ;;
    --models) SPECS="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done
[[ "$R" =~ ^[1-9][0-9]*$ ]] || { echo "-r needs a positive number" >&2; exit 2; }
[ -z "$T" ] || [[ "$T" =~ ^[1-9][0-9]*$ ]] || { echo "-t needs a positive number" >&2; exit 2; }
[ -x "$HEARTH" ] || { echo "no hearth binary at $HEARTH: build it first (see README.md)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed (scripts/install-deps.sh installs it)" >&2; exit 1; }

mkdir -p "$MODELS"
IFS=',' read -r -a SPEC_LIST <<<"$SPECS"
for spec in "${SPEC_LIST[@]}"; do
  like="${spec%%:*}" type="${spec##*:}"
  file="$MODELS/synth-$like-$type.gguf"
  if [ ! -f "$file" ]; then
    echo "synthesizing $file" >&2
    "$HEARTH" synth --like "$like" --type "$type" -o "$file" >/dev/null
  fi
done

THREADS_ARG=()
[ -z "$T" ] || THREADS_ARG=(-t "$T")
if [ "$REFRESH" = 1 ]; then
  "$HEARTH" hw --refresh "${THREADS_ARG[@]}" >/dev/null
fi

python3 - "$HEARTH" "$MODELS" "$R" "${T:-0}" "${SPEC_LIST[@]}" <<'PY'
import json, os, subprocess, sys, tempfile

hearth, models, reps, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
specs = sys.argv[5:]
targs = ["-t", str(threads)] if threads else []

def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])

def run_json(args):
    """Runs args; returns its JSON output and its own peak resident set in bytes."""
    with tempfile.TemporaryFile(mode="w+") as out:
        child = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            sys.exit(f"{' '.join(args)} failed with status {child.returncode}")
        out.seek(0)
        return json.load(out), usage.ru_maxrss * 1024

print(f"load average before: {load()}  (1, 5, 15 min; {os.cpu_count()} CPUs)\n")
rows = []
for spec in specs:
    like, typ = spec.split(":")
    path = os.path.join(models, f"synth-{like}-{typ}.gguf")
    fit, _ = run_json([hearth, "fit", path, "--ctx", "640", "--batch", "512", "--json"] + targs)
    bench, peak = run_json([hearth, "bench", "-m", path, "-p", "512", "-n", "128", "-r", reps, "-o", "json"] + targs)
    measured = {r["test"]: r for r in bench}
    rows.append((like, typ, fit, measured, peak))

def cell(r):
    return f"{r['t_s']:.1f} ± {r['stddev']:.1f} (best {max(r['samples_ts']):.1f})"

def ratio(pred, meas, tol):
    q = pred / meas if meas else float("nan")
    return f"{q:.2f}" + ("" if abs(q - 1) <= tol else " ✗")

print("| model | type | pp512 predicted | pp512 measured | ratio | tg128 predicted | tg128 measured | ratio |"
      " memory predicted | peak RSS | ratio |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for like, typ, fit, m, peak in rows:
    pp, tg = m["pp512"], m["tg128"]
    print(f"| {like} | {typ} | {fit['pp512_tokens_per_s']:.1f} | {cell(pp)} | {ratio(fit['pp512_tokens_per_s'], pp['t_s'], 0.25)} "
          f"| {fit['tg128_tokens_per_s']:.1f} | {cell(tg)} | {ratio(fit['tg128_tokens_per_s'], tg['t_s'], 0.25)} "
          f"| {fit['memory_bytes'] / 2**20:.0f} MiB | {peak / 2**20:.0f} MiB | {ratio(fit['memory_bytes'], peak, 0.10)} |")
print(f"\nratio = predicted / measured mean; ✗: outside ±25% (speed) or ±10% (memory).")
print(f"load average after: {load()}; rates measured {rows[0][2].get('rates_measured_at', '?')} "
      f"({rows[0][2].get('threads', '?')} threads)")
PY
