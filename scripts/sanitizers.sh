#!/usr/bin/env bash
# Runs the unit tests under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer, as
# `swift test --sanitize=address` and `--sanitize=thread`, each in its own build directory
# (.build-asan, .build-tsan), and fails on any report.
#
#   bash scripts/sanitizers.sh [address|thread]... [-- SWIFT TEST ARGUMENTS]   (both by default)
#
# It expects what scripts/test.sh sets up first (the Python peers on PATH, moto's URL in
# INLET_TEST_MOTO_URL); scripts/test.sh calls it. Reports of every process the tests start
# are collected under <scratch>/sanitizer-reports and printed at the end. The exceptions,
# each a toolchain defect, are listed with their reasons in Tests/README.md ("Sanitizers").
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

sanitizers=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sanitizers+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)

# Reports name functions only with a symbolizer, and the suppressions match by name.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && [ -x "$(dirname "$(command -v swift)")/llvm-symbolizer" ]; then
    export ASAN_SYMBOLIZER_PATH="$(dirname "$(command -v swift)")/llvm-symbolizer"
fi
export TSAN_SYMBOLIZER_PATH="${TSAN_SYMBOLIZER_PATH:-${ASAN_SYMBOLIZER_PATH:-}}"

asan_options=${ASAN_OPTIONS:-}
tsan_options=${TSAN_OPTIONS:-}
for sanitizer in "${sanitizers[@]}"; do
    # Every process the tests start (inlet, bootstrap, the test runner itself) writes its reports
    # to a file here rather than to a stderr a test may discard; any file fails the run.
    case "$sanitizer" in
        address) scratch=.build-asan ;;
        thread) scratch=.build-tsan ;;
        *) echo "sanitizers.sh: unknown sanitizer '$sanitizer' (address or thread)" >&2; exit 2 ;;
    esac
    reports="$top/$scratch/sanitizer-reports"
    rm -rf "$reports"
    mkdir -p "$reports"
    case "$sanitizer" in
        address)
            flags=()
            export ASAN_OPTIONS="log_path=$reports/report${asan_options:+:$asan_options}"
            export LSAN_OPTIONS="suppressions=$top/Tests/Sanitizers/lsan.supp:print_suppressions=0"
            ;;
        thread)
            # Works around the toolchain's TSan crash on inout access to an empty struct (Tests/README.md).
            flags=(-Xswiftc -DINLET_TSAN)
            # A race is reported and the run goes on; the process then exits 66, failing the run.
            export TSAN_OPTIONS="halt_on_error=0:log_path=$reports/report${tsan_options:+:$tsan_options}"
            ;;
    esac
    # The suites' time limits are scaled under a sanitizer (Tests/InletTestSupport/SanitizerRun.swift).
    export INLET_SANITIZER="$sanitizer"
    echo "== swift test --sanitize=$sanitizer" >&2
    started=$(date +%s)
    swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch" "${flags[@]}"
    built=$(date +%s)
    # One suite at a time, as in scripts/test.sh: several start peers and wait on them.
    status=0
    swift test --skip-build --disable-xctest --no-parallel --sanitize="$sanitizer" --scratch-path "$scratch" \
        "${flags[@]}" "$@" || status=$?
    tested=$(date +%s)
    found=0
    for report in "$reports"/report.*; do
        [ -e "$report" ] || continue
        found=$((found + 1))
        echo "== $sanitizer: report of process ${report##*.}:" >&2
        cat "$report" >&2
    done
    if [ "$found" -gt 0 ] || [ "$status" -ne 0 ]; then
        echo "== $sanitizer: FAILED: the tests exited $status, $found process(es) reported (kept in $reports)" >&2
        exit 1
    fi
    echo "== $sanitizer: built in $((built - started)) s, tested in $((tested - built)) s, no reports" >&2
done
