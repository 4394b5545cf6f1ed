#!/usr/bin/env bash
# The MCP client of `crates/oura-cli/tests/mcp.rs`: the official Python `mcp` SDK and
# `jsonschema`, pinned, in a venv under the target directory (reused while the pins match).
#
#     bash .ci/mcp-venv.sh && cargo test -p oura-ring-cli --test mcp
#
# Needs python3 (with venv) and PyPI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$TARGET/mcp/venv"
PINS=("mcp==2.3.0" "jsonschema==4.26.0")

if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/pins" 2>/dev/null)" = "${PINS[*]}" ]; then
    echo "mcp-venv: $VENV is ready (${PINS[*]})"
    exit 0
fi
echo "mcp-venv: installing ${PINS[*]} into $VENV" >&2
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
echo "${PINS[*]}" > "$VENV/pins"
echo "mcp-venv: ready"
