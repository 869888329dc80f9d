#!/usr/bin/env bash
# Runs every test (layering check, unit tests, e2e tests, benchmark smoke runs) and prints
# the counts. Usage: scripts/run_tests.sh <build-dir> [parallel-jobs] [sanitized]
# "sanitized": the build has ASan + UBSan; the benchmarks' smoke runs are skipped (timings
# under the sanitizers mean nothing) and any report fails the test that caused it.
set -uo pipefail
build_dir="${1:-build}"
jobs="${2:-2}"
mode="${3:-}"
extra=()
if [ "$mode" = "sanitized" ]; then
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  extra=(--label-exclude bench)
fi
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 300 "${extra[@]}"
status=$?
echo
label="make test (${mode:-release} build)"
if [ "$status" -eq 0 ]; then echo "$label: all tests passed"; else echo "$label: FAILED"; fi
exit "$status"
