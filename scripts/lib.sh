# Shared helpers for Inlet's scripts. Source it; it defines functions only.

# Installs the Debian packages listed in scripts/apt-packages.txt that are missing.
inlet_install_system_packages() {
    local list missing=()
    list=$(grep -v '^\s*#' "$(dirname "${BASH_SOURCE[0]}")/apt-packages.txt" | grep -v '^\s*$')
    for pkg in $list; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "inlet: installing system packages: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# Installs the Python peers in scripts/requirements-test.txt into the project's own
# virtualenv (.venv-test) and puts it first on PATH, so the tests' `python3` has them.
# A virtualenv keeps clear of Debian's externally managed system Python (PEP 668).
inlet_install_python_peers() {
    local top venv
    top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    venv="$top/.venv-test"
    if [ ! -x "$venv/bin/python3" ]; then
        echo "inlet: creating $venv for the Python test peers" >&2
        python3 -m venv "$venv"
    fi
    "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r "$top/scripts/requirements-test.txt"
    export PATH="$venv/bin:$PATH"
}

# Puts the AWS SAM CLI on PATH, from its own virtualenv (.venv-sam) so that its pinned
# dependencies cannot clash with the test peers'. It also ships AWS's Runtime Interface
# Emulator binary.
inlet_install_sam_cli() {
    local top venv
    top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    venv="$top/.venv-sam"
    if [ ! -x "$venv/bin/sam" ]; then
        echo "inlet: installing the AWS SAM CLI into $venv" >&2
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check aws-sam-cli
    fi
    export PATH="$PATH:$venv/bin"
}

# A free TCP port on 127.0.0.1.
inlet_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Builds the `bootstrap` that ships (release, static Swift runtime, and the static
# HTTP-and-HTTPS-only libcurl of scripts/build-libcurl.sh) into its own scratch folder,
# .build-lambda, and prints its path. Extra arguments go to swift build (e.g. --swift-sdk).
# With INLET_SHARED_LIBCURL=1 it links the system's libcurl instead (a cross build, whose
# target has its own). Its build output goes to stderr.
inlet_build_shipped_bootstrap() {
    local top pc_path="${PKG_CONFIG_PATH:-}" args bin_path
    top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    args=(-c release --product bootstrap --static-swift-stdlib --scratch-path "$top/.build-lambda" "$@")
    # (errexit does not reach into a command substitution, hence the explicit returns)
    if [ "${INLET_SHARED_LIBCURL:-0}" != 1 ]; then
        pc_path=$(bash "$top/scripts/build-libcurl.sh")${pc_path:+:$pc_path} || return 1
    fi
    (cd "$top" && PKG_CONFIG_PATH="$pc_path" swift build "${args[@]}" >&2) || return 1
    bin_path=$(cd "$top" && PKG_CONFIG_PATH="$pc_path" swift build "${args[@]}" --show-bin-path) || return 1
    echo "$bin_path/bootstrap"
}
