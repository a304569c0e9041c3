#!/usr/bin/env bash
# hearth vs llama.cpp sentence embeddings, per embedding architecture: each
# model is written by `hearth synth` (random weights scaled like a trained
# model's), each text embedded by `hearth embed` and by bench/llamacpp_embed.cpp
# (llama-embedding's method through node-llama-cpp's prebuilt llama.cpp), both
# pooled as the file declares and L2-normalised; prints a markdown table with
# the cosine similarity and the largest component difference, checked
# against 1e-3. The exit status is 1 when a model is off by more.
#
#   bench/compare-embeddings.sh [--like test-bert,bge-small-en-v1.5,...] [-t THREADS]
#
# --like: `hearth synth --list` names (default: the two test shapes with the
# minimal vocabulary, and bge-small-en-v1.5 and nomic-embed-text-v1.5 with
# the real BERT WordPiece vocabulary of tests/data). Models are cached in
# build/bench-models/embed. See bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEARTH="${HEARTH:-$ROOT/build/hearth}"
MODELS="$ROOT/build/bench-models/embed"
BERT_VOCAB="$ROOT/tests/data/ggml-vocab-bert-bge.gguf"

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

LIKE=test-bert,test-nomic-bert,bge-small-en-v1.5,nomic-embed-text-v1.5 T=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --like) LIKE="${2:?}"; shift 2 ;;
    -t) T="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done
[[ "$T" =~ ^[0-9]+$ ]] || { echo "not a number: $T" >&2; usage; }
[ -x "$HEARTH" ] || { echo "no hearth binary at $HEARTH: build it first (see README.md)" >&2; exit 1; }

# shellcheck source=bench/llamacpp-tools.sh
source "$ROOT/bench/llamacpp-tools.sh"
llamacpp_setup
build_llamacpp_tool llamacpp_embed

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
texts=(
  "The quick brown fox jumps over the lazy dog."
  "hearth runs language models on your own PC."
  "A longer sentence, with punctuation; numbers like 3.14159 and 2026, and CAPITALS: many positions."
  "x"
)

mkdir -p "$MODELS"
ROWS="$TMP/rows"
: >"$ROWS"
IFS=, read -r -a NAMES <<<"$LIKE"
for name in "${NAMES[@]}"; do
  model="$MODELS/$name-F32.gguf"
  if [ ! -f "$model" ]; then
    vocab=()
    case "$name" in test-*) ;; *) vocab=(--vocab "$BERT_VOCAB") ;; esac
    echo "writing $model (hearth synth) ..." >&2
    "$HEARTH" synth --like "$name" --type F32 "${vocab[@]}" -o "$model.part" >/dev/null && mv "$model.part" "$model"
  fi
  for i in "${!texts[@]}"; do
    printf '%s' "${texts[$i]}" >"$TMP/text"
    "$HEARTH" tokenize "$model" <"$TMP/text" >"$TMP/hearth.ids"
    "$HEARTH" embed "$model" -t "$T" <"$TMP/text" >"$TMP/hearth.json"
    "$TOOLS/llamacpp_embed" -m "$model" -f "$TMP/text" -t "$T" >"$TMP/llama.out"
    sed -n 1p "$TMP/llama.out" >"$TMP/llama.ids"
    sed -n 2p "$TMP/llama.out" >"$TMP/llama.json"
    if [ "$(tr -s ' \n' ' ' <"$TMP/hearth.ids" | sed 's/ $//')" = "$(tr -s ' \n' ' ' <"$TMP/llama.ids" | sed 's/ $//')" ]; then
      same=yes
    else
      same=no
    fi
    n_ids=$(wc -w <"$TMP/hearth.ids")
    node -e '
      const fs = require("fs");
      const a = JSON.parse(fs.readFileSync(process.argv[1])), b = JSON.parse(fs.readFileSync(process.argv[2]));
      if (a.length !== b.length) { console.log(`${a.length} vs ${b.length}|-|-`); process.exit(0); }
      let dot = 0, na = 0, nb = 0, max = 0;
      for (let i = 0; i < a.length; i++) {
        dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i];
        max = Math.max(max, Math.abs(a[i] - b[i]));
      }
      console.log(`${a.length}|${(dot / Math.sqrt(na * nb)).toFixed(7)}|${max.toExponential(2)}`);
    ' "$TMP/hearth.json" "$TMP/llama.json" >"$TMP/cmp"
    arch=$("$HEARTH" inspect "$model" | sed -n 's/^ *general.architecture *string *"\(.*\)"/\1/p')
    echo "$name|$arch|$((i + 1))|$n_ids|$same|$(cat "$TMP/cmp")" >>"$ROWS"
  done
done

echo "| model | arch | text | tokens | same ids | dims | cosine | max abs diff | within 1e-3? |"
echo "|---|---|---:|---:|---|---:|---:|---:|---|"
awk -F'|' '
  {
    ok = ($7 != "-" && $8 + 0 <= 1e-3 && $5 == "yes") ? "yes" : "**no**"
    if (ok != "yes") bad = 1
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, ok
  }
  END { exit bad }' "$ROWS" && status=0 || status=1
echo
echo "texts: ${#texts[@]} sentences (bench/compare-embeddings.sh); both embeddings pooled as the file declares and" \
  "L2-normalised; $T thread(s); same ids: llama.cpp's tokenizer gives hearth's ids."
exit "$status"
