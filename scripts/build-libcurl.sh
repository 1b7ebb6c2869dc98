#!/usr/bin/env bash
# Builds the libcurl that the shipped `bootstrap` links statically: Debian's own curl source
# (the version bookworm ships now, with Debian's patches), configured for HTTP and HTTPS only,
# with OpenSSL and zlib and no other library.
#
# Why: Debian's libcurl is built with every protocol and loads 29 more shared libraries (nghttp2,
# librtmp, libssh2, libpsl, GSSAPI/Kerberos, OpenLDAP, GnuTLS, p11-kit, …). Loading them is
# most of a custom runtime's cold start: a C program that links Debian's libcurl and returns
# at once takes about 8.7 ms here, one that links only libssl, libcrypto and libz 3.3 ms.
# The Lambda Runtime API, Firehose and S3 need HTTP/1.1 and TLS, nothing more.
#
#   bash scripts/build-libcurl.sh     # prints the folder to add to PKG_CONFIG_PATH
#
# The result goes to .build-libcurl/<debian-version>/ (git ignores it) and is reused while its
# stamp (the version and the configure flags) matches. It fetches the source through apt, with
# private lists made from this machine's own sources as deb-src (the system's lists are left
# alone), so apt checks it against the archive's signed Sources index.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

# HTTP and HTTPS only; TLS from OpenSSL, whose default locations give the CA certificates
# (SSL_CERT_FILE / SSL_CERT_DIR, else OPENSSLDIR's: /usr/lib/ssl on Debian, /etc/pki/tls on
# Amazon Linux), so one binary finds each system's store. Position-independent code, because
# bootstrap is a PIE.
flags=(--disable-shared --enable-static --with-pic --disable-dependency-tracking
    --with-openssl --with-zlib --enable-threaded-resolver --enable-ipv6
    --without-ca-bundle --without-ca-path --with-ca-fallback
    --without-libpsl --without-libidn2 --without-nghttp2 --without-brotli --without-zstd
    --without-librtmp --without-libssh2 --without-libgsasl
    --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict
    --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp
    --disable-gopher --disable-mqtt --disable-manual --disable-ntlm-wb)

work="$top/.build-libcurl"
apt_dir="$work/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
# One build at a time (scripts/package.sh and scripts/test.sh may run side by side).
exec 9>"$work/lock"
flock 9

# deb-src twins of this machine's apt sources (one-line and deb822 formats).
: > "$apt_dir/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" >> "$apt_dir/sources.list"
done
rm -f "$apt_dir"/*.sources
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed -E 's/^Types:.*/Types: deb-src/' "$f" > "$apt_dir/$(basename "$f")"
done
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root"
    -o "Debug::NoLocking=1")

newest_source() {
    apt-cache "${apt_opts[@]}" showsrc curl 2>/dev/null | awk '/^Version:/ {print $2}' | sort -V | tail -1 || true
}
built() {  # the folder for version $1, if it holds a finished build with today's flags
    [ -n "$1" ] && [ -f "$work/$1/lib/libcurl.a" ] && [ "$(cat "$work/$1/stamp" 2>/dev/null)" = "$1 ${flags[*]}" ]
}
version=$(newest_source)
if ! built "$version"; then
    # A third-party repository without source indexes makes apt complain; what Debian's
    # archive gave is enough, and the checks below say so when it gave nothing.
    apt-get "${apt_opts[@]}" -qq update \
        || echo "build-libcurl: apt-get update reported errors (above); going on with the lists it fetched" >&2
    version=$(newest_source)
fi
[ -n "$version" ] || { echo "build-libcurl: apt knows no source package 'curl'" >&2; exit 1; }
prefix="$work/$version"
if built "$version"; then
    echo "$prefix/lib/pkgconfig"
    exit 0
fi

echo "build-libcurl: building curl $version (HTTP and HTTPS, OpenSSL, zlib) into $prefix" >&2
src="$work/src"
rm -rf "$src" "$prefix"
mkdir -p "$src"
(cd "$src" && apt-get "${apt_opts[@]}" -qq source --download-only "curl=$version" >/dev/null)
dsc=$(ls "$src"/curl_*.dsc)
# apt checked the files against the signed index; dpkg-source's own check of the .dsc's
# signature needs Debian's developer keyring, which is not installed, so it only warns.
dpkg-source --no-copy -x "$dsc" "$src/curl" >"$src/dpkg-source.log" 2>&1 || { cat "$src/dpkg-source.log" >&2; exit 1; }
(
    cd "$src/curl"
    # Any C compiler: gcc where installed, else the Swift toolchain's clang.
    CC="${CC:-$(command -v cc || command -v gcc || command -v clang)}" CFLAGS="-O2 -fPIC" ./configure --prefix="$prefix" "${flags[@]}" >"$src/configure.log" 2>&1 \
        || { tail -30 "$src/configure.log" >&2; exit 1; }
    make -j"$(nproc)" -C lib >"$src/make.log" 2>&1 || { tail -30 "$src/make.log" >&2; exit 1; }
    make -C lib install >/dev/null
    make -C include install >/dev/null
    make install-pkgconfigDATA >/dev/null
)
# SwiftPM reads pkg-config's Libs, never Libs.private: name libcurl's own dependencies there,
# after the archive, so a static link resolves them.
sed -i -E 's|^Libs: .*|Libs: -L${libdir} -lcurl -lssl -lcrypto -lz -lpthread|' "$prefix/lib/pkgconfig/libcurl.pc"
rm -f "$prefix"/lib/*.la
rm -rf "$src"
echo "$version ${flags[*]}" > "$prefix/stamp"
echo "$prefix/lib/pkgconfig"
