#!/usr/bin/env bash
# Checks the emulator's query grammar table (tests/grammar.json) against pydantic itself, the
# validator the live API runs. Installs a pinned pydantic into a venv under the target dir.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/grammar-check/venv"
pydantic_version="2.14.3"
if ! "$venv/bin/python" -c "import pydantic, sys; sys.exit(pydantic.VERSION != '$pydantic_version')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pydantic==$pydantic_version"
fi
"$venv/bin/python" "$here/grammar_check.py" "$here/tests/grammar.json"
