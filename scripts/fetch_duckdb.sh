#!/usr/bin/env bash
# Fetches DuckDB 1.4.4 (libduckdb.so + C/C++ headers) from the npm registry into
# third_party/duckdb, verified against pinned sha512 (SRI) hashes. Runs no package scripts.
# Idempotent: when the stamp matches the pinned hashes, it does nothing.
set -euo pipefail

dest="${1:-third_party/duckdb}"
bind_pkg="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
bind_tgz="duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz"
bind_sri="sha512-jBTL/WvfwxLToFa/pVHfT6elMtltJGnc3wSuxZD9OfMltit9YUdVFS37vBFQzXMT1Z8OWjtSjMh+zPKxOwHLHA=="
hdr_pkg="duckdb@1.4.4"
hdr_tgz="duckdb-1.4.4.tgz"
hdr_sri="sha512-hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog=="

if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$bind_sri $hdr_sri" ]; then
  exit 0
fi
echo "fetching DuckDB 1.4.4 from the npm registry into $dest"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent --ignore-scripts "$bind_pkg" "$hdr_pkg" >/dev/null)

sri() { echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }
verify() {
  local actual
  actual="$(sri "$1")"
  if [ "$actual" != "$2" ]; then
    echo "error: integrity mismatch for $(basename "$1")" >&2
    echo "  expected $2" >&2
    echo "  actual   $actual" >&2
    exit 1
  fi
}
verify "$tmp/$bind_tgz" "$bind_sri"
verify "$tmp/$hdr_tgz" "$hdr_sri"

mkdir -p "$tmp/b" "$tmp/h"
tar -xzf "$tmp/$bind_tgz" -C "$tmp/b" package/libduckdb.so package/LICENSE
tar -xzf "$tmp/$hdr_tgz" -C "$tmp/h" package/LICENSE package/src/duckdb/src/include
rm -rf "$dest"
mkdir -p "$dest/lib" "$dest/include" "$dest/licenses"
cp "$tmp/b/package/libduckdb.so" "$dest/lib/"
cp -r "$tmp/h/package/src/duckdb/src/include/." "$dest/include/"
cp "$tmp/b/package/LICENSE" "$dest/licenses/LICENSE.node-bindings"
cp "$tmp/h/package/LICENSE" "$dest/licenses/LICENSE.duckdb"
echo "$bind_sri $hdr_sri" >"$dest/.stamp"
echo "DuckDB 1.4.4 verified and installed in $dest"
