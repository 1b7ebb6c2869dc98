#!/usr/bin/env bash
# Renders diagrams/architecture.dot to diagrams/architecture.svg and .png and
# records the source's SHA-256 (in diagrams/architecture.dot.sha256 and in a
# comment inside the SVG), which scripts/check_deploy_kit.py compares with the
# source: pictures differ across Graphviz versions, the source hash does not.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
    echo "diagram.sh: installing Graphviz (Debian package graphviz)" >&2
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends graphviz >/dev/null
fi

src=diagrams/architecture.dot
hash=$(sha256sum "$src" | cut -d' ' -f1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dot -Tsvg "$src" -o "$tmp/architecture.svg"
dot -Tpng -Gdpi=96 "$src" -o "$tmp/architecture.png"
# The hash goes right after the XML declaration.
awk -v h="$hash" 'NR == 1 { print; print "<!-- inlet-diagram-source-sha256: " h " -->"; next } { print }' \
    "$tmp/architecture.svg" > diagrams/architecture.svg
mv "$tmp/architecture.png" diagrams/architecture.png
printf '%s  architecture.dot\n' "$hash" > diagrams/architecture.dot.sha256
echo "diagram.sh: rendered $src ($hash) to diagrams/architecture.svg and diagrams/architecture.png"
