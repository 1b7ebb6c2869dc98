#!/usr/bin/env bash
# Checks that a built `bootstrap` loads on provided.al2023 (Amazon Linux 2023, glibc 2.34):
# no symbol from glibc 2.35 or later, no shared library the runtime image lacks (nor the
# system's libcurl, whose dependencies would slow every cold start), and no
# Foundation (which would bloat the binary and slow cold starts).
set -euo pipefail
bin=${1:?usage: check-bootstrap.sh PATH/TO/bootstrap}

too_new=$(objdump -T "$bin" | grep -oE 'GLIBC_2\.(3[5-9]|[4-9][0-9])' | sort -u || true)
if [ -n "$too_new" ]; then
    echo "bootstrap: needs glibc symbols newer than Amazon Linux 2023's 2.34:" >&2
    objdump -T "$bin" | grep -E 'GLIBC_2\.(3[5-9]|[4-9][0-9])' >&2
    exit 1
fi

# Shared libraries provided.al2023 has (OpenSSL's libssl and libcrypto, zlib). libcurl is built
# in (scripts/build-libcurl.sh); only a cross build, with INLET_SHARED_LIBCURL=1, may load the
# image's own libcurl.so.4.
curl=''
[ "${INLET_SHARED_LIBCURL:-0}" = 1 ] && curl='|libcurl\.so\.4'
allowed="^(libc\\.so\\.6|libm\\.so\\.6|libstdc\\+\\+\\.so\\.6|libgcc_s\\.so\\.1|libssl\\.so\\.3|libcrypto\\.so\\.3|libz\\.so\\.1|libpthread\\.so\\.0|libdl\\.so\\.2|librt\\.so\\.1|ld-linux-(x86-64|aarch64)\\.so\\.[12]$curl)\$"
bad=$(objdump -p "$bin" | awk '/NEEDED/ {print $2}' | grep -vE "$allowed" || true)
if [ -n "$bad" ]; then
    echo "bootstrap: needs shared libraries that the shipped function must not load on provided.al2023: $bad" >&2
    case "$bad" in *libcurl*) echo "bootstrap: build it with scripts/package.sh, which links libcurl statically" >&2;; esac
    exit 1
fi

if nm "$bin" 2>/dev/null | grep -q '10Foundation'; then
    echo "bootstrap: links Foundation; keep it out of the function's modules" >&2
    exit 1
fi
newest=$(objdump -T "$bin" | grep -oE 'GLIBC_[0-9.]+' | sort -uV | tail -1)
echo "bootstrap: ok (newest glibc symbol $newest; needs $(objdump -p "$bin" | awk '/NEEDED/ {printf "%s ", $2}'))"
