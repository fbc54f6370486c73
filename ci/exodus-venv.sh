#!/bin/sh
# Creates (once) the Python virtualenv holding exodus-core, the oracle of the tracker
# differential test `crates/unmask-analysis/tests/exodus.rs`.
#
#   ci/exodus-venv.sh            create or check the venv, print its path
#
# Where: $UNMASK_EXODUS_VENV, default $HOME/.cache/unmask/exodus-venv (outside target/, so
# `cargo clean` keeps it; the test looks in the same place). Idempotent: when the venv
# already holds exodus-core 1.3.15 and imports it, the script only checks and returns (< 1 s).
#
# Needs, on Debian/Ubuntu:
#   apt-get install python3 python3-venv dexdump
# (python3-venv provides `python3 -m venv` with ensurepip; `dexdump` is the AOSP tool exodus-core
# runs on every classes*.dex; the test also skips without it.) Network access to PyPI is needed
# the first time only. exodus-core pins its dependencies (androguard 4.1.1, cryptography, ...);
# the venv is about 700 MB.
set -eu

EXODUS_REQ="exodus-core==1.3.15"
VENV="${UNMASK_EXODUS_VENV:-${HOME:?HOME is not set}/.cache/unmask/exodus-venv}"
PY="${PYTHON:-python3}"
STAMP="$VENV/.unmask-exodus-ok"

check() {
    "$VENV/bin/python" - <<'EOF'
import importlib.metadata as m
import sys
v = m.version("exodus-core")
if v != "1.3.15":
    sys.exit(f"exodus-core {v} installed, 1.3.15 wanted")
from exodus_core.analysis.static_analysis import StaticAnalysis  # noqa: F401
EOF
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$EXODUS_REQ" ] && [ -x "$VENV/bin/python" ] && check 2>/dev/null; then
    echo "$VENV"
    exit 0
fi

if ! command -v "$PY" >/dev/null 2>&1; then
    echo "ci/exodus-venv.sh: $PY not found (Debian: apt-get install python3 python3-venv)" >&2
    exit 1
fi
if ! command -v dexdump >/dev/null 2>&1; then
    echo "ci/exodus-venv.sh: warning: dexdump not on PATH (Debian: apt-get install dexdump);" \
        "the exodus test will skip" >&2
fi

rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
if ! "$PY" -m venv "$VENV"; then
    echo "ci/exodus-venv.sh: '$PY -m venv' failed (Debian: apt-get install python3-venv)" >&2
    rm -rf "$VENV"
    exit 1
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$EXODUS_REQ"
check
printf '%s\n' "$EXODUS_REQ" >"$STAMP"
echo "$VENV"
