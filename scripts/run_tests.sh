#!/usr/bin/env bash
# Runs every test (layering check, unit tests, e2e tests, benchmark smoke runs) and prints
# the counts. Usage: scripts/run_tests.sh <build-dir> [parallel-jobs]
set -uo pipefail
build_dir="${1:-build}"
jobs="${2:-2}"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 300
status=$?
echo
if [ "$status" -eq 0 ]; then echo "make test: all tests passed"; else echo "make test: FAILED"; fi
exit "$status"
