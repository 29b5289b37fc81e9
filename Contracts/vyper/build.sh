#!/bin/sh
# Regenerates the EVM contracts' bytecode from their Vyper sources with the `vyper` PyPI package
# (pip install vyper; built with 0.4.3): NAME.bin (deployment bytecode, hex) and
# NAME.runtime.bin for Token.vy (the ERC-20) and Vault.vy (the cross-EE token vault).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
VYPER=${VYPER:-vyper}
for name in Token Vault; do
  $VYPER -f bytecode "$here/$name.vy" | tr -d '\n' | sed 's/^0x//' > "$here/$name.bin"
  $VYPER -f bytecode_runtime "$here/$name.vy" | tr -d '\n' | sed 's/^0x//' > "$here/$name.runtime.bin"
done
$VYPER --version > "$here/VERSION"
