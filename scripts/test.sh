#!/usr/bin/env bash
# Runs every test: installs what the tests need, starts the peer services on
# loopback, runs `swift test`, and stops the services again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
inlet_install_system_packages
inlet_install_python_peers
inlet_install_sam_cli

# The deploy kit: cfn-lint, IAM least privilege, Snowflake SQL through sqlglot, diagram freshness.
python3 -m pytest tests/deploy -q -rs -p no:cacheprovider

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -f "${plain_log:-}"
}
trap cleanup EXIT

# moto_server with signature checks switched on (see Tests/README.md).
port=$(inlet_free_port)
python3 -m moto.server -H 127.0.0.1 -p "$port" >/tmp/inlet-moto-$port.log 2>&1 &
pids+=($!)
export INLET_TEST_MOTO_URL="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "$INLET_TEST_MOTO_URL/moto-api/" >/dev/null 2>&1 && break
    sleep 0.1
done
# Switch the signature checks on now, so every suite meets them; the keys are cached per
# server for the suites to read (Tests/InletTestSupport/moto_setup.py).
python3 Tests/InletTestSupport/moto_setup.py "$INLET_TEST_MOTO_URL" credentials >/dev/null

# The shipped function: a static bootstrap that loads on provided.al2023 (glibc 2.34, no
# library the runtime image lacks, no Foundation), with libcurl built in (HTTP and HTTPS
# only), then run against a Runtime API and a TLS Firehose on loopback.
shipped_bootstrap=$(inlet_build_shipped_bootstrap)
bash scripts/check-bootstrap.sh "$shipped_bootstrap"
# RuntimeEmulatorTests runs this binary under AWS's RIE too (the other suites run the debug one).
export INLET_SHIPPED_BOOTSTRAP="$shipped_bootstrap"
python3 -m pytest tests/bootstrap -q -rs -p no:cacheprovider

swift build --build-tests
# Suites run one after another: several start peer processes and wait on them, and on a
# 2-core machine parallel suites would starve each other's deadlines. Its output is kept so
# that its closing line can end this script's output too.
plain_log=$(mktemp /tmp/inlet-plain-XXXXXX)
swift test --skip-build --disable-xctest --no-parallel "$@" | tee "$plain_log"

# A focused run (with swift test arguments) stops here. The full run goes on: every suite again
# under AddressSanitizer and ThreadSanitizer, then each fuzz target for 100,000 executions
# (Tests/README.md, "Sanitizers" and "Fuzzing").
if [ $# -eq 0 ]; then
    for sanitizer in address thread; do
        # A fresh moto for each run: it allows 50 delivery streams, and every run creates some.
        python3 -c "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/moto-api/reset', method='POST'), timeout=30)" \
            "$INLET_TEST_MOTO_URL"
        python3 Tests/InletTestSupport/moto_setup.py "$INLET_TEST_MOTO_URL" credentials >/dev/null
        bash scripts/sanitizers.sh "$sanitizer"
    done
    bash scripts/fuzz.sh 100000
    # The plain run's closing line again, last: how many tests ran and passed.
    echo "== the plain run, above:"
    grep -a "Test run with" "$plain_log" | tail -1 || true
fi
