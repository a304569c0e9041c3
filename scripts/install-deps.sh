#!/usr/bin/env bash
# Installs the Debian packages hearth needs to build and test. Does nothing
# (and needs no network) when they are all present already.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libcli11-dev nlohmann-json3-dev libpcre2-dev libicu-dev
  libssl-dev                # sha256 for the model store (libcrypto)
  libcpp-httplib-dev        # hearth serve (HTTP)
  libcurl4-openssl-dev      # hearth pull (HTTPS downloads)
  libgtest-dev libbenchmark-dev
  clang libclang-rt-14-dev  # sanitizer builds and the libFuzzer targets
  python3 python3-jinja2    # the chat template tests' oracle
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
