#!/usr/bin/env bash
# The main job: build Inlet and run the whole local pipeline end to end (`inlet demo`):
# events posted through the HTTP API, validated and enriched by the function, buffered by
# Firehose into S3, loaded by Snowpipe into the SQLite warehouse, then queried.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
inlet_install_system_packages
swift build --product inlet
.build/debug/inlet demo --sample tests/sample.json "$@"
