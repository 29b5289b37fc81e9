#!/bin/sh
# Regenerates Token.bin (deployment bytecode, hex) and Token.runtime.bin from Token.vy with the
# `vyper` PyPI package (pip install vyper; built with 0.4.3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
VYPER=${VYPER:-vyper}
$VYPER -f bytecode "$here/Token.vy" | tr -d '\n' | sed 's/^0x//' > "$here/Token.bin"
$VYPER -f bytecode_runtime "$here/Token.vy" | tr -d '\n' | sed 's/^0x//' > "$here/Token.runtime.bin"
$VYPER --version > "$here/VERSION"
