#!/bin/sh
# Create $VENV and install MessageFlow with its dev tools (`make install` runs this).
#
# uv (pinned, fetched once per machine into ~/.cache/messageflow) resolves and installs the
# ~180 packages in parallel, several times faster than pip on a first start; pip is the fallback
# when uv cannot be had (MESSAGEFLOW_INSTALLER=pip forces it). Both install protobuf $PROTOBUF
# over dagster 1.13.27's `protobuf<7` cap, which neonize's generated code needs (uv through an
# override, pip by a --no-deps install afterwards; see docs/architecture.md "Dependencies").
# Each phase is announced; the installers' own progress shows (no -q).
set -eu

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
PROTOBUF=${PROTOBUF:?set PROTOBUF, e.g. protobuf==7.36.2}
UV_VERSION=0.13.8
UV_HOME="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/messageflow/uv-$UV_VERSION"
STARTED=$(date +%s)

say() { printf '==> %s\n' "$*" >&2; }
took() { echo "$(( $(date +%s) - STARTED )) s"; }

# The pinned uv: $UV when given, else fetched once from the package index with pip.
find_uv() {
    if [ -n "${UV:-}" ]; then echo "$UV"; return 0; fi
    if [ ! -x "$UV_HOME/bin/uv" ]; then
        say "fetching uv $UV_VERSION into $UV_HOME (once per machine)"
        rm -rf "$UV_HOME.tmp"
        "$PYTHON" -m pip install -qq --disable-pip-version-check --root-user-action=ignore \
            --no-deps --target "$UV_HOME.tmp" "uv==$UV_VERSION" >&2 || return 1
        rm -rf "$UV_HOME" && mv "$UV_HOME.tmp" "$UV_HOME"
    fi
    echo "$UV_HOME/bin/uv"
}

with_uv() {
    uv=$1
    # uv reads no pip configuration: an index given to pip by environment carries over.
    if [ -n "${PIP_INDEX_URL:-}" ] && [ -z "${UV_DEFAULT_INDEX:-}${UV_INDEX_URL:-}" ]; then
        export UV_DEFAULT_INDEX="$PIP_INDEX_URL"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV with uv $UV_VERSION ($PYTHON)"
        "$uv" venv --seed --python "$PYTHON" "$VENV" >&2 || return 1
    fi
    echo "$PROTOBUF" > "$VENV/uv-overrides.txt"
    say "resolving and installing MessageFlow and its dev tools with uv (about 180 packages)"
    "$uv" pip install --python "$VENV/bin/python" --override "$VENV/uv-overrides.txt" \
        -e '.[dev]' >&2 || return 1
}

with_pip() {
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV with $PYTHON -m venv"
        "$PYTHON" -m venv "$VENV"
    fi
    say "upgrading pip"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip
    say "installing MessageFlow and its dev tools with pip (about 180 packages; a first start" \
        "downloads ~600 MB, several minutes on a slow line)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -e '.[dev]'
    say "installing $PROTOBUF over dagster's protobuf<7 cap"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-deps "$PROTOBUF"
}

if [ "${MESSAGEFLOW_INSTALLER:-uv}" != pip ] && uv=$(find_uv) && with_uv "$uv"; then
    say "installed with uv in $(took)"
else
    [ "${MESSAGEFLOW_INSTALLER:-uv}" = pip ] || say "uv unavailable or failed; falling back to pip"
    with_pip
    say "installed with pip in $(took)"
fi
