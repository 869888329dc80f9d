#!/usr/bin/env bash
# Installs what the build needs and is missing: Debian packages (with sudo when not root)
# and DuckDB from the npm registry. Re-running it when everything is present is a no-op
# that takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates openssl
  librocksdb-dev libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libtomlplusplus-dev libspdlog-dev libsodium-dev libssl-dev libedit-dev
  libgtest-dev libgmock-dev libbenchmark-dev node-ws
)

check_platform() {
  local id="" version="" arch
  arch="$(uname -m)"
  if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    id="$(. /etc/os-release && echo "${ID:-}")"
    version="$(. /etc/os-release && echo "${VERSION_ID:-}")"
  fi
  if [ "$(uname -s)" != "Linux" ] || [ "$arch" != "x86_64" ] || [ "$id" != "debian" ] ||
     [ "$version" != "12" ]; then
    echo "error: unsupported platform: $(uname -s) $arch ${id:-unknown} ${version:-?}." >&2
    echo "KalamDB's setup supports Debian 12 (bookworm) on x86_64 only: it installs Debian 12" >&2
    echo "packages and DuckDB's linux-x64 library from npm." >&2
    exit 1
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "error: installing packages needs root, and sudo is not available. Run as root:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

missing_packages() {
  local p status
  for p in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || echo "$p"
  done
  # nodejs may come from NodeSource (which bundles npm and conflicts with Debian's npm).
  command -v npm >/dev/null 2>&1 || echo "nodejs npm"
}

check_platform
mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2068
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing[@]}
fi
scripts/fetch_duckdb.sh third_party/duckdb
