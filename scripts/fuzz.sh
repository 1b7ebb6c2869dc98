#!/usr/bin/env bash
# Builds the libFuzzer targets of the nested Fuzz/ package and runs each one for a fixed number
# of executions, starting from its seed corpus in Tests/Fuzz/corpus/<Target>/ and the inputs
# that once failed, Tests/Fuzz/regressions/<Target>/ (each also has a test in the unit suites).
#
#   bash scripts/fuzz.sh [RUNS] [TARGET...]     RUNS: executions per target (default 100000)
#
# Every module, Inlet's included, is compiled with -sanitize=fuzzer,address. A crash, a failed
# property, an AddressSanitizer report, a leak, a timeout (10 s for one input) or more than 2 GB
# of memory stops the run and exits non-zero; the input is saved as
# fuzz-artifacts/<Target>/crash-… (or leak-…, timeout-…, oom-…). Reproduce it with
#   Fuzz/.build/release/<Target> fuzz-artifacts/<Target>/crash-…
# New inputs the fuzzer finds collect in fuzz-artifacts/<Target>/corpus/ (git-ignored) and are
# reused by the next run. INLET_FUZZ_ARTIFACTS moves fuzz-artifacts/ elsewhere (a long run's own).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

runs="${1:-100000}"
shift || true
all=(FuzzIngest FuzzBodyDecoder FuzzSigV4Request FuzzFirehoseRequest)
targets=("${@:-${all[@]}}")

# The longest input per target: a request body (deep nesting fits: the limit is 64); compressed
# bodies; an HTTP request; a Firehose request.
max_len() {
    case "$1" in
        FuzzIngest) echo 8192 ;;
        FuzzBodyDecoder) echo 65536 ;;
        FuzzSigV4Request) echo 16384 ;;
        FuzzFirehoseRequest) echo 65536 ;;
        *) echo "fuzz.sh: unknown target $1 (targets: ${all[*]})" >&2; exit 2 ;;
    esac
}
for target in "${targets[@]}"; do max_len "$target" >/dev/null; done

flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing)
(cd Fuzz && swift build "${flags[@]}")
bin=$(cd Fuzz && swift build "${flags[@]}" --show-bin-path)

# Stack traces name functions only with a symbolizer; the suppressions match by name.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && [ -x "$(dirname "$(command -v swift)")/llvm-symbolizer" ]; then
    export ASAN_SYMBOLIZER_PATH="$(dirname "$(command -v swift)")/llvm-symbolizer"
fi
export LSAN_OPTIONS="suppressions=$top/Tests/Sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

failed=0
printf '%-20s %12s %8s %8s  %s\n' target executions seconds exec/s result
for target in "${targets[@]}"; do
    work="${INLET_FUZZ_ARTIFACTS:-fuzz-artifacts}/$target"
    mkdir -p "$work/corpus"
    started=$(date +%s)
    status=0
    seeds=("Tests/Fuzz/corpus/$target")
    # Inputs that once failed are replayed on every run.
    [ -d "Tests/Fuzz/regressions/$target" ] && seeds+=("Tests/Fuzz/regressions/$target")
    "$bin/$target" "$work/corpus" "${seeds[@]}" -runs="$runs" -max_len="$(max_len "$target")" \
        -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/" -print_final_stats=1 \
        >"$work/fuzz.log" 2>&1 || status=$?
    seconds=$(( $(date +%s) - started ))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
    executions=${executions:-?}
    rate=$([ "$executions" != "?" ] && [ "$seconds" -gt 0 ] && echo $(( executions / seconds )) || echo -)
    result=ok
    if [ "$status" -ne 0 ]; then
        result="FAILED (exit $status; log $work/fuzz.log)"
        failed=1
    fi
    printf '%-20s %12s %8s %8s  %s\n' "$target" "$executions" "$seconds" "$rate" "$result"
    if [ "$status" -ne 0 ]; then
        grep -E 'ERROR|property violated|Fatal error|Test unit written|SUMMARY' "$work/fuzz.log" | head -20 >&2 || true
    fi
done
exit "$failed"
