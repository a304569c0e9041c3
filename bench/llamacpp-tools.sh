# Sourced by the bench scripts that run llama.cpp through its C API
# (compare.sh, compare-perplexity.sh): node-llama-cpp's prebuilt CPU libraries,
# installed once, and small tools from bench/*.cpp compiled against them.
#
#   ROOT=... ; source "$ROOT/bench/llamacpp-tools.sh"
#   llamacpp_setup                 # install the libraries and llama.cpp's headers (once)
#   build_llamacpp_tool NAME       # bench/NAME.cpp -> $TOOLS/NAME (when missing or older)
#
# Sets NODE_DIR, NLC_VERSION, TOOLS, PLATFORM, LIB_DIR. See bench/README.md.

: "${ROOT:?set ROOT to the repository root before sourcing llamacpp-tools.sh}"
NODE_DIR="${HEARTH_BENCH_NODE_DIR:-$ROOT/build/bench-node}"
NLC_VERSION="${NLC_VERSION:-3.22.1}"  # node-llama-cpp version to install
TOOLS="$ROOT/build/bench-llamacpp"   # the compiled tools and llama.cpp's headers

llamacpp_setup() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) PLATFORM=linux-x64 ;;
    Linux-aarch64) PLATFORM=linux-arm64 ;;
    *) echo "no prebuilt CPU package of node-llama-cpp chosen for $(uname -s)-$(uname -m)" >&2; return 1 ;;
  esac
  LIB_DIR="$NODE_DIR/node_modules/@node-llama-cpp/$PLATFORM/bins/$PLATFORM"
  local bundle="$NODE_DIR/node_modules/node-llama-cpp/llama/gitRelease.bundle"
  command -v node >/dev/null || { echo "node (>= 20) and npm are needed for the llama.cpp side" >&2; return 1; }
  local installed
  installed=$(node -e 'try { console.log(require(process.argv[1]).version) } catch { }' \
    "$NODE_DIR/node_modules/node-llama-cpp/package.json" 2>/dev/null)
  if [ "$installed" != "$NLC_VERSION" ] || [ ! -d "$LIB_DIR" ]; then
    echo "installing node-llama-cpp@$NLC_VERSION and @node-llama-cpp/$PLATFORM into $NODE_DIR ..." >&2
    mkdir -p "$NODE_DIR"
    # As bench/compare-llamacpp.sh: the CPU binary package only (--omit=optional
    # skips the GPU ones), no postinstall step (it could download or compile).
    NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --prefix "$NODE_DIR" --omit=optional --ignore-scripts \
      --no-audit --no-fund --loglevel=error "node-llama-cpp@$NLC_VERSION" "@node-llama-cpp/$PLATFORM@$NLC_VERSION" >&2 ||
      return 1
  fi
  LIBLLAMA=$(cd "$LIB_DIR" && ls libllama.*so 2>/dev/null | grep -v common | head -1)
  LIBGGML=$(cd "$LIB_DIR" && ls libggml.*so 2>/dev/null | head -1)
  [ -n "$LIBLLAMA" ] && [ -n "$LIBGGML" ] && [ -f "$LIB_DIR/libggml-base.so" ] ||
    { echo "no libllama/libggml in $LIB_DIR" >&2; return 1; }

  # llama.h and ggml's headers of the very source the libraries were built
  # from: the package carries it as a git bundle.
  LLAMACPP_SRC="$TOOLS/llama.cpp"
  if [ ! -f "$LLAMACPP_SRC/include/llama.h" ] || [ "$bundle" -nt "$LLAMACPP_SRC/include/llama.h" ]; then
    rm -rf "$LLAMACPP_SRC"
    mkdir -p "$TOOLS"
    git clone -q --no-checkout "$bundle" "$LLAMACPP_SRC" &&
      git -C "$LLAMACPP_SRC" checkout -q HEAD -- include ggml/include || return 1
  fi
}

build_llamacpp_tool() {  # NAME: compile bench/NAME.cpp against the prebuilt libraries
  local exe="$TOOLS/$1" src="$ROOT/bench/$1.cpp"
  [ -x "$exe" ] && [ "$exe" -nt "$src" ] && [ "$exe" -nt "$LLAMACPP_SRC/include/llama.h" ] && return 0
  echo "compiling $exe ..." >&2
  g++ -std=c++17 -O2 -Wall -I"$LLAMACPP_SRC/include" -I"$LLAMACPP_SRC/ggml/include" \
    -DLLAMACPP_LIB_DIR="\"$LIB_DIR\"" "$src" -o "$exe" \
    -L"$LIB_DIR" -l:"$LIBLLAMA" -l:"$LIBGGML" -l:libggml-base.so -Wl,-rpath,"$LIB_DIR"
}
