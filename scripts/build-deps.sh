#!/usr/bin/env bash
# What the build needs beyond Rust, for LightGBM (crate lightgbm3, built from
# source): CMake >= 3.28 and libclang (bindgen). Source this file:
#   . scripts/build-deps.sh
# It installs libclang-dev with apt when missing, and, when the system CMake is
# older than 3.28, the `cmake` package from PyPI into a virtual environment
# under ~/.cache/demandcast, exporting CMAKE for the build.
# Sourced into the caller's shell, so it leaves the shell's options as they
# were (no `set -e` that would close an interactive shell on the next failing
# command) and returns non-zero when an install fails.
_dc_build_deps() {

_dc_cmake_ok() { # is "$1" a CMake >= 3.28?
    local v
    v=$("$1" --version 2>/dev/null | sed -n 's/^cmake version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p') || return 1
    [ -n "$v" ] || return 1
    set -- $v
    [ "$1" -gt 3 ] || { [ "$1" -eq 3 ] && [ "$2" -ge 28 ]; }
}

_dc_sudo() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# libclang itself (libclang.so / libclang-NN.so.N), not libclang-cpp, which
# some images ship without it and which bindgen cannot use.
if ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 &&
    ! ldconfig -p 2>/dev/null | grep -Eq 'libclang(-[0-9.]+)?\.so'; then
    echo "== installing libclang-dev (apt)" >&2
    _dc_sudo apt-get update -qq || return 1
    _dc_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev >/dev/null || return 1
fi
if ! command -v c++ >/dev/null 2>&1; then
    echo "== installing g++ (apt)" >&2
    _dc_sudo apt-get update -qq || return 1
    _dc_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null || return 1
fi

if [ -n "${CMAKE:-}" ] && _dc_cmake_ok "$CMAKE"; then
    :
elif _dc_cmake_ok cmake; then
    export CMAKE=$(command -v cmake)
else
    _dc_venv=${XDG_CACHE_HOME:-$HOME/.cache}/demandcast/cmake-venv
    if ! _dc_cmake_ok "$_dc_venv/bin/cmake"; then
        echo "== installing CMake >= 3.28 from PyPI into $_dc_venv" >&2
        python3 -m venv "$_dc_venv" || return 1
        "$_dc_venv/bin/pip" install -q 'cmake>=3.28' || return 1
    fi
    export CMAKE=$_dc_venv/bin/cmake
fi
echo "== build deps: CMAKE=$CMAKE" >&2
}
_dc_build_deps
