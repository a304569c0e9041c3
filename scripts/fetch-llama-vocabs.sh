#!/usr/bin/env bash
# Fetches llama.cpp's tokenizer test vocabularies (models/ggml-vocab-*.gguf
# with their .inp/.out vectors, about 75 MB) for the tokenizer tests, which
# skip the ones that are absent. They come from the npm package
# node-llama-cpp, whose llama/gitRelease.bundle is a git bundle of the
# llama.cpp source it bundles. Only the package's own tarball is fetched (no
# dependencies, no install scripts, no binaries) with `npm pack`, and checked
# against the registry's sha512. Cached: does nothing when the files are
# already there.
#   usage: scripts/fetch-llama-vocabs.sh [DEST]
#   DEST defaults to $HEARTH_LLAMA_VOCABS, else build/llama-vocabs (where the
#   tests look unless HEARTH_LLAMA_VOCABS says otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

version=3.22.1
sha512=6e5b488a9b9699cd76dc7eed30880318a4ac4ab866865418795502e3c5d38d55bb5c624988927209d95333343f2e25a83e4183a5c2f816f883a60c3ba9f4e20f
dest=${1:-${HEARTH_LLAMA_VOCABS:-build/llama-vocabs}}
stamp="$dest/.from-node-llama-cpp-$version"
[ -f "$stamp" ] && exit 0

need() { command -v "$1" >/dev/null || { echo "fetch-llama-vocabs: needs $1" >&2; exit 1; }; }
need git
need tar
need sha512sum
need npm

cache=build/llama-src-npm
tarball="$cache/node-llama-cpp-$version.tgz"
mkdir -p "$cache"
if [ ! -f "$tarball" ] || [ "$(sha512sum "$tarball" | cut -d' ' -f1)" != "$sha512" ]; then
  echo "fetch-llama-vocabs: downloading node-llama-cpp@$version" >&2
  rm -f "$tarball"
  (cd "$cache" && npm pack "node-llama-cpp@$version" --silent >/dev/null)
  if [ "$(sha512sum "$tarball" | cut -d' ' -f1)" != "$sha512" ]; then
    echo "fetch-llama-vocabs: $tarball does not have the expected sha512" >&2
    rm -f "$tarball"
    exit 1
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp" package/llama/gitRelease.bundle
git clone --quiet --no-checkout "$tmp/package/llama/gitRelease.bundle" "$tmp/llama.cpp"
git -C "$tmp/llama.cpp" archive HEAD models | tar -x -C "$tmp"

mkdir -p "$dest"
cp "$tmp"/models/ggml-vocab-* "$dest"/
touch "$stamp"
echo "fetch-llama-vocabs: $(ls "$dest"/ggml-vocab-*.gguf | wc -l) vocabularies in $dest" >&2
