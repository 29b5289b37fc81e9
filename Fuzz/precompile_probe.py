"""The EVM program the precompile differential scripts run on both sides (diff_precompiles.py
against pyrevm, diff_bls12_381.py against execution-specs)."""


def program(address, gas):
    """CALLDATACOPY the input to memory 0, STATICCALL `address` with `gas`, and return
    success ++ (GAS before - GAS after) ++ RETURNDATASIZE ++ returndata (no PUSH0: pre-Shanghai
    forks run it too)."""
    p0 = "6000"
    code = "36" + p0 + p0 + "37"  # CALLDATACOPY(0, 0, CALLDATASIZE)
    code += "5a"  # GAS
    code += p0 + p0 + "36" + p0 + "60%02x" % address + "63%08x" % gas + "fa"  # STATICCALL
    code += "5a"  # GAS                       stack: g0 s g1
    code += "90" + p0 + "52"  # SWAP1 MSTORE(0, s)   stack: g0 g1
    code += "90" + "03" + "602052"  # SWAP1 SUB -> g0 - g1; MSTORE(32, it)
    code += "3d604052"  # MSTORE(64, RETURNDATASIZE)
    code += "3d" + p0 + "6060" + "3e"  # RETURNDATACOPY(96, 0, RETURNDATASIZE)
    code += "3d606001" + p0 + "f3"  # RETURN(0, 96 + RETURNDATASIZE)
    return bytes.fromhex(code)
