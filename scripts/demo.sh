#!/usr/bin/env bash
# The main job: build Inlet and run a sample event through the pipeline's core.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
inlet_install_system_packages
swift build -c release --product inlet
.build/release/inlet validate tests/sample.json
