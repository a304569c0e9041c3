#!/usr/bin/env bash
# hearth vs llama.cpp perplexity, per architecture: each model is written by
# `hearth synth` (random weights scaled like a trained model's), scored by
# `hearth perplexity` and by bench/llamacpp_perplexity.cpp (llama-perplexity's
# method through node-llama-cpp's prebuilt llama.cpp) on the same token ids,
# and printed as a markdown table with the relative difference, checked
# against 0.5 %. The exit status is 1 when a model is off by more.
#
#   bench/compare-perplexity.sh [--like test-llama,test-qwen2,...] [-c 128] [-f TEXT]
#                               [--bytes N] [--type F32|F16|Q8_0] [--kv-type f16|f32] [-t THREADS]
#
# --like: `hearth synth --list` names (default: every small test shape).
# --bytes N: score only the first N bytes of the text (for real-size shapes).
# --kv-type f16 (default, both engines' default) or f32 (llama.cpp's flash
# attention rounds K and V to f16, so with f32 it runs without it).
# Models are cached in build/bench-models/ppl. See bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEARTH="${HEARTH:-$ROOT/build/hearth}"
MODELS="$ROOT/build/bench-models/ppl"

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

LIKE=test-llama,test-llama3,test-qwen2,test-qwen3,test-qwen3moe,test-mixtral,test-gemma2,test-gemma3,test-phi3
CTX=128 TEXT="$ROOT/tests/data/gpl-3.0-first-20000-bytes.txt" BYTES=0 TYPE=F16 KV=f16 T=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --like) LIKE="${2:?}"; shift 2 ;;
    -c) CTX="${2:?}"; shift 2 ;;
    -f) TEXT="${2:?}"; shift 2 ;;
    --bytes) BYTES="${2:?}"; shift 2 ;;
    --type) TYPE="${2:?}"; shift 2 ;;
    --kv-type) KV="${2:?}"; shift 2 ;;
    -t) T="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done
for v in "$CTX" "$BYTES" "$T"; do
  [[ "$v" =~ ^[0-9]+$ ]] || { echo "not a number: $v" >&2; usage; }
done
case "$TYPE" in F32|F16|Q8_0) ;; *) echo "--type takes F32, F16 or Q8_0" >&2; usage ;; esac
case "$KV" in f16) FA=auto ;; f32) FA=off ;; *) echo "--kv-type takes f16 or f32" >&2; usage ;; esac
[ -f "$TEXT" ] || { echo "no text file $TEXT" >&2; exit 1; }
[ -x "$HEARTH" ] || { echo "no hearth binary at $HEARTH: build it first (see README.md)" >&2; exit 1; }

# shellcheck source=bench/llamacpp-tools.sh
source "$ROOT/bench/llamacpp-tools.sh"
llamacpp_setup
build_llamacpp_tool llamacpp_perplexity

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ "$BYTES" -gt 0 ]; then head -c "$BYTES" "$TEXT" >"$TMP/text"; else cp "$TEXT" "$TMP/text"; fi

ppl_of() { sed -n 's/^Final estimate: PPL = \([0-9.e+-]*\) .*/\1/p' "$1"; }
scored_of() { sed -n 's/^Final estimate: .* over \([0-9]*\) tokens$/\1/p' "$1"; }

mkdir -p "$MODELS"
ROWS="$TMP/rows"
: >"$ROWS"
IFS=, read -r -a NAMES <<<"$LIKE"
for name in "${NAMES[@]}"; do
  model="$MODELS/$name-$TYPE.gguf"
  if [ ! -f "$model" ]; then
    echo "writing $model (hearth synth) ..." >&2
    "$HEARTH" synth --like "$name" --type "$TYPE" -o "$model.part" >/dev/null && mv "$model.part" "$model"
  fi
  # hearth perplexity tokenizes the text as `hearth tokenize` does (the same
  # Vocab::encode call, BOS as the vocabulary adds it); llama.cpp is given
  # those ids, so both score the same tokens. llama.cpp's own tokenization
  # is compared too, for information.
  "$HEARTH" tokenize "$model" <"$TMP/text" >"$TMP/$name.ids"
  "$TOOLS/llamacpp_perplexity" -m "$model" --tokenize "$TMP/text" >"$TMP/$name.llama-ids" 2>/dev/null || true
  if cmp -s "$TMP/$name.ids" "$TMP/$name.llama-ids"; then same=yes; else same=no; fi
  n_ids=$(wc -w <"$TMP/$name.ids")
  echo "$name: $n_ids tokens (llama.cpp's tokenizer agrees: $same); hearth ..." >&2
  "$HEARTH" perplexity "$model" -f "$TMP/text" -c "$CTX" -t "$T" --kv-type "$KV" >"$TMP/$name.hearth" 2>"$TMP/$name.hearth.err" ||
    { cat "$TMP/$name.hearth.err" >&2; echo "$name: hearth perplexity failed" >&2; }
  echo "$name: llama.cpp ..." >&2
  "$TOOLS/llamacpp_perplexity" -m "$model" --tokens "$TMP/$name.ids" -c "$CTX" -t "$T" --kv-type "$KV" --fa "$FA" \
    >"$TMP/$name.llama" 2>"$TMP/$name.llama.err" ||
    { cat "$TMP/$name.llama.err" >&2; echo "$name: llama.cpp perplexity failed" >&2; }
  arch=$(sed -n 's/^architecture: //p' "$TMP/$name.llama.err")
  echo "$name|${arch:-?}|$TYPE|$n_ids|$same|$(scored_of "$TMP/$name.hearth")|$(scored_of "$TMP/$name.llama")|$(ppl_of "$TMP/$name.hearth")|$(ppl_of "$TMP/$name.llama")" >>"$ROWS"
done

echo "| model | arch | type | tokens | same ids | scored | hearth PPL | llama.cpp PPL | rel. diff | within 0.5 %? |"
echo "|---|---|---|---:|---|---:|---:|---:|---:|---|"
awk -F'|' '
  {
    scored = ($6 == $7) ? $6 : $6 " / " $7
    if ($8 == "" || $9 == "") { diff = "-"; ok = "**failed**"; bad = 1 }
    else {
      d = ($8 - $9) / $9 * 100
      diff = sprintf("%+.3f %%", d)
      ok = (d <= 0.5 && d >= -0.5) ? "yes" : "**no**"
      if (ok != "yes") bad = 1
    }
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, scored, ($8 == "" ? "-" : $8), ($9 == "" ? "-" : $9), diff, ok
  }
  END { exit bad }' "$ROWS" && status=0 || status=1
echo
echo "n_ctx $CTX, KV cache $KV in both (llama.cpp flash attention $FA), $T thread(s); text: $(basename "$TEXT")" \
  "$([ "$BYTES" -gt 0 ] && echo "(first $BYTES bytes)"); rel. diff = (hearth - llama.cpp) / llama.cpp;" \
  "same ids: llama.cpp's tokenizer gives the ids hearth's does (llama.cpp is given hearth's either way)."
exit "$status"
