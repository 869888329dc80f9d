#!/usr/bin/env bash
# Keeps heavy and security-sensitive third-party headers inside the components that own them.
# Prints every violation and exits non-zero if there is one.
set -uo pipefail
root="${1:-$(dirname "$0")/..}"
cd "$root" || exit 2
status=0

# check <include regex> <allowed path regex> <what>
check() {
  local hits
  hits="$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($1)" src tests bench 2>/dev/null |
          grep -vE "^($2)" || true)"
  if [ -n "$hits" ]; then
    echo "layering violation: $3 may only be included in ${2//|/ or }:"
    echo "$hits" | sed 's/^/  /'
    status=1
  fi
}

check 'rocksdb/' 'src/storage/' 'RocksDB'
check 'duckdb' 'src/engine/' 'DuckDB'
check 'boost/(beast|asio)' 'src/api/|src/client/' 'Boost.Beast/Asio'
check 'sodium' 'src/auth/' 'libsodium'
check 'openssl/' 'src/auth/' 'OpenSSL'
[ "$status" -eq 0 ] && echo "layering check passed"
exit "$status"
