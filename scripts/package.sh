#!/usr/bin/env bash
# Builds the function and packages dist/bootstrap.zip for upload, without Docker.
#   bash scripts/package.sh              # for this machine's architecture
#   ARCH=arm64 bash scripts/package.sh   # on an arm64 (Graviton) Linux machine, or with
#   ARCH=arm64 SWIFT_SDK=<id> bash scripts/package.sh   # a Swift SDK for aarch64 Linux installed
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
inlet_install_system_packages

host=$(uname -m)
[ "$host" = aarch64 ] && host=arm64
arch=${ARCH:-$host}
case "$arch" in arm64|x86_64) ;; *) echo "ARCH must be arm64 or x86_64, not '$arch'" >&2; exit 2;; esac
args=()
if [ "$arch" != "$host" ]; then
    if [ -z "${SWIFT_SDK:-}" ]; then
        echo "package: building for $arch on a $host machine needs a Swift SDK for $arch Linux;" >&2
        echo "install one (swift sdk install …) and set SWIFT_SDK, or run this on a $arch machine." >&2
        exit 2
    fi
    args+=(--swift-sdk "$SWIFT_SDK")
    # scripts/build-libcurl.sh builds for this machine only: a cross build links the SDK's
    # libcurl, which provided.al2023 then loads (a slower cold start; see README).
    export INLET_SHARED_LIBCURL=1
fi
bin=$(inlet_build_shipped_bootstrap "${args[@]}")
bash scripts/check-bootstrap.sh "$bin"
mkdir -p dist
python3 - "$bin" dist/bootstrap.zip <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o100755 << 16   # a regular, executable file
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(src, "rb") as f:
        z.writestr(info, f.read())
PY
echo "package: dist/bootstrap.zip ($arch, $(du -h dist/bootstrap.zip | cut -f1)); deploy with Architecture=$arch"
